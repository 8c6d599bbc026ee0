import { Inject, Injectable } from '@nestjs/common';
import { decodeDatabaseCursor, encodeDatabaseCursor } from './database/input-log.database';
import type { DatabaseCursor } from './database/input-log.database';
import { InputLogUnavailableError } from './input-log.errors';
import { INPUT_LOG_STORE } from './input-log.store';
import type { InputLogStore } from './input-log.store';
import type { InputLogEntry, InputLogPage } from './input-log.types';
import { InputLogShipping } from './shipping/input-log-shipping.service';
import type { ActiveShipping } from './shipping/input-log-shipping.service';
import { SegmentLogStore } from './storage/segment-log.store';

/** Newest first: by arrival, then by id in code-unit order (the database's "C" collation for ASCII ids). */
function newerFirst(a: InputLogEntry, b: InputLogEntry): number {
  if (a.received_at !== b.received_at) return a.received_at < b.received_at ? 1 : -1;
  if (a.id === b.id) return 0;
  return a.id < b.id ? 1 : -1;
}

function olderThan(entry: InputLogEntry, cursor: DatabaseCursor): boolean {
  const at = new Date(cursor.receivedAt).toISOString();
  return entry.received_at < at || (entry.received_at === at && entry.id < cursor.id);
}

/** Of two entries for one id, the later input; at a tie, the one that knows its outcome. */
function better(a: InputLogEntry, b: InputLogEntry): InputLogEntry {
  if (a.received_at !== b.received_at) return a.received_at > b.received_at ? a : b;
  return a.outcome || !b.outcome ? a : b;
}

/**
 * What `GET /logs` reads: inputs by id, or newest first a page at a time.
 * From the local log alone, or, with a database, from the database plus
 * this replica's records not shipped yet (a client reads what it just wrote).
 */
@Injectable()
export class InputLogQueryService {
  constructor(
    @Inject(INPUT_LOG_STORE) private readonly store: InputLogStore,
    private readonly local: SegmentLogStore,
    private readonly shipping: InputLogShipping,
  ) {}

  /**
   * The latest input logged with this id, merged with its outcome; null if unknown or past retention.
   * @throws InputLogUnavailableError when the log could never be opened (or, with a
   *   database, when the database cannot be reached and the local log does not have it).
   */
  async find(id: string): Promise<InputLogEntry | null> {
    const active = this.shipping.active;
    if (!active) return this.store.find(id);
    const [remote, local] = await Promise.allSettled([
      active.database.find(id),
      this.store.find(id),
    ]);
    const mine = local.status === 'fulfilled' ? local.value : null;
    if (remote.status === 'rejected') {
      if (mine) return mine;
      throw new InputLogUnavailableError('the input-log database cannot be reached', {
        cause: remote.reason,
      });
    }
    const row = remote.value;
    if (row && mine) return better(row, mine);
    return row ?? mine;
  }

  /**
   * Inputs newest first, `limit` at a time.
   * @throws InputLogUnavailableError when the log (or the database) cannot be read.
   * @throws RangeError for a `before` that is not a cursor of this log.
   */
  list(query: { limit: number; before?: string | undefined }): Promise<InputLogPage> {
    const active = this.shipping.active;
    if (!active) return this.store.list(query);
    return this.listShipped(active, query);
  }

  private async listShipped(
    active: ActiveShipping,
    query: { limit: number; before?: string | undefined },
  ): Promise<InputLogPage> {
    const before = query.before === undefined ? null : decodeDatabaseCursor(query.before);
    if (query.before !== undefined && !before) throw new RangeError('not a cursor of this log');
    const from = active.shipper.shippedUpTo() ?? { seq: 0, offset: 0 };
    let rows: InputLogEntry[];
    try {
      rows = await active.database.list(query.limit + 1, before);
    } catch (error) {
      throw new InputLogUnavailableError('the input-log database cannot be reached', {
        cause: error,
      });
    }
    const unshipped = await this.local.newestSince(
      from,
      query.limit + 1,
      (entry) => !before || olderThan(entry, before),
    );
    const byId = new Map<string, InputLogEntry>();
    for (const entry of [...rows, ...unshipped]) {
      const known = byId.get(entry.id);
      byId.set(entry.id, known ? better(known, entry) : entry);
    }
    const merged = [...byId.values()].sort(newerFirst);
    const items = merged.slice(0, query.limit);
    const last = items[items.length - 1];
    return {
      items,
      next:
        merged.length > query.limit && last
          ? encodeDatabaseCursor({ receivedAt: last.received_at, id: last.id })
          : null,
    };
  }
}
