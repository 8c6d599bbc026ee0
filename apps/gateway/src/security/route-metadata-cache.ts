import { Reflector } from '@nestjs/core';

/** What Reflector takes: handlers and classes. */
type Targets = Parameters<Reflector['getAllAndOverride']>[1];

/**
 * A `Reflector` that looks each (key, handler, class) up once, shared by the
 * API-key and rate-limit guards. Route metadata is fixed once the app is
 * built, and the throttler guard asks for six keys per request, each a walk of reflect-metadata's maps up the prototype chain:
 * ~2% of the gateway's CPU per request in the profile, for answers that never change.
 */
export class RouteMetadataCache extends Reflector {
  /** handler → class → key → answer. */
  private readonly cache = new WeakMap<object, WeakMap<object, Map<unknown, unknown>>>();
  /**
   * The answers of the last route asked about: the guards ask several keys in
   * a row for the same route, so most lookups are one `Map#get`.
   */
  private last: { handler: object; owner: object; answers: Map<unknown, unknown> } | undefined;

  override getAllAndOverride<T>(key: unknown, targets: Targets): T {
    const [handler, owner] = targets;
    if (targets.length !== 2 || !handler || !owner) {
      return super.getAllAndOverride<T>(key, targets);
    }
    let answers: Map<unknown, unknown> | undefined;
    const last = this.last;
    if (last && last.handler === handler && last.owner === owner) {
      answers = last.answers;
    } else {
      let byOwner = this.cache.get(handler);
      if (!byOwner) this.cache.set(handler, (byOwner = new WeakMap()));
      answers = byOwner.get(owner);
      if (!answers) byOwner.set(owner, (answers = new Map()));
      this.last = { handler, owner, answers };
    }
    if (answers.has(key)) return answers.get(key) as T;
    const value = super.getAllAndOverride<T>(key, targets);
    answers.set(key, value);
    return value;
  }
}
