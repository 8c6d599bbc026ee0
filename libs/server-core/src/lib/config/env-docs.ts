/**
 * What each variable is, for the README's environment table (`npx nx run tools:env-table`
 * writes it). Each schema class keeps its map beside it, keyed by its own properties, so a
 * variable added without a description does not compile. Bounds, allowed values and defaults
 * are not repeated here: the table reads them from the class itself.
 */
export type EnvDocs<Env, Base = object> = Record<Exclude<keyof Env, keyof Base>, EnvDoc>;

export interface EnvDoc {
  /** What the variable does, in the table's words. */
  readonly what: string;
  /** The default as a reader should see it, when the class's own (often unset) says too little. */
  readonly default?: string;
}
