/** DI token of the `InputLogOptions` the service is built with. */
export const INPUT_LOG_OPTIONS = Symbol('INPUT_LOG_OPTIONS');
