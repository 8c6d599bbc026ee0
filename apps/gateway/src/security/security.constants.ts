/** Metadata key of `@Public()`: the route needs no API key. */
export const IS_PUBLIC = 'security:isPublic';

/** Metadata key of `@SkipRateLimit()`: the route is never rate limited. */
export const SKIP_RATE_LIMIT = 'security:skipRateLimit';

/** Header that carries an API key (the other way is `Authorization: Bearer <key>`). */
export const API_KEY_HEADER = 'x-api-key';
