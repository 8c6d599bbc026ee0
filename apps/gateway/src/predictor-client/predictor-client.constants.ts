/**
 * DI token of the function that resolves predictor host names
 * (`ResolveHost`); unset means the system resolver. Tests provide a fake to
 * drive re-resolution.
 */
export const PREDICTOR_RESOLVER = Symbol('PREDICTOR_RESOLVER');
