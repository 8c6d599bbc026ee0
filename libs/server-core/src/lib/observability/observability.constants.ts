/** DI token of the process's pino logger (`pino.Logger`). */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** DI token of the app's prom-client `Registry`; app-specific metrics register here. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/** DI token of the `ObservabilityOptions` given to `ObservabilityCoreModule.forRoot()`. */
export const OBSERVABILITY_OPTIONS = Symbol('OBSERVABILITY_OPTIONS');
