import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Box, Sandbox } from '@repo/sandbox';
import { createLogger } from '@repo/service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pool } from './pool.ts';

// Real boxes of a real sandbox; each box's reset() is watched (and can be slowed) to check the order of events.
describe('Pool: a box goes back only once emptied and checked', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'code-runner-pool-test-'));
  chmodSync(root, 0o711);
  let sandbox: Sandbox;
  const events: string[] = [];
  const onEvent = new Set<() => void>();
  const record = (event: string) => {
    events.push(event);
    for (const check of onEvent) check();
  };
  /** Resolves once `holds` is true of the events, checked at each new one (no fixed wait). */
  const eventsUntil = (holds: (seen: readonly string[]) => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!holds(events)) return;
        onEvent.delete(check);
        resolve();
      };
      onEvent.add(check);
      check();
    });
  let resetDelayMs = 0;

  const watched = (box: Box): Box => ({
    id: box.id,
    dir: box.dir,
    uid: box.uid,
    gid: box.gid,
    async reset() {
      record(`reset-start ${box.id}`);
      await new Promise((resolve) => setTimeout(resolve, resetDelayMs));
      await box.reset();
      record(`reset-done ${box.id}`);
    },
    destroy: () => box.destroy(),
  });
  const makePool = (size: number) =>
    Pool.create({
      sandbox: { createBox: async (id) => watched(await sandbox.createBox(id)) },
      size,
      maxQueue: 100,
      queueTimeoutMs: 60_000,
      logger: createLogger({ name: 'pool-test', level: 'silent' }),
    });

  beforeAll(async () => {
    // Uids away from the servers' and the other tests' (the sandbox takes the next free range anyway).
    sandbox = await Sandbox.create({ workRoot: path.join(root, 'boxes'), boxes: 2, baseUid: 400_000 });
  });
  afterAll(async () => {
    await sandbox?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('lends a released box again only after its reset finished, and empty', async () => {
    const pool = await makePool(1);
    try {
      resetDelayMs = 150;
      events.length = 0;
      const first = await pool.acquire();
      writeFileSync(path.join(first.box.dir, 'left-behind.txt'), 'secret');
      first.release();
      // release() returns at once (the answer is not held up); the reset runs after.
      expect(events).toEqual([]);
      const second = await pool.acquire();
      record('acquired');
      expect(events).toEqual(['reset-start 0', 'reset-done 0', 'acquired']);
      expect(second.box.id).toBe(0);
      expect(readdirSync(second.box.dir)).toEqual([]);
      second.release();
    } finally {
      resetDelayMs = 0;
      await pool.close();
    }
  });

  it('puts a reset off while another box is free, and starts it at once for a request that finds none', async () => {
    const pool = await makePool(2);
    try {
      events.length = 0;
      const a = await pool.acquire();
      writeFileSync(path.join(a.box.dir, 'left-behind.txt'), 'secret');
      a.release();
      const b = await pool.acquire(); // the other box, free at once
      expect(b.box.id).not.toBe(a.box.id);
      expect(events).toEqual([]);
      // No box is free now: this request starts the put-off reset and gets that box once it is empty.
      const again = await pool.acquire();
      expect(again.box.id).toBe(a.box.id);
      expect(events).toEqual([`reset-start ${a.box.id}`, `reset-done ${a.box.id}`]);
      expect(readdirSync(again.box.dir)).toEqual([]);
      // Both come back without anyone asking for them.
      b.release();
      again.release();
      await eventsUntil((seen) => seen.filter((e) => e.startsWith('reset-done')).length === 3);
      expect(events.slice(2).sort()).toEqual(
        [
          `reset-start ${a.box.id}`,
          `reset-done ${a.box.id}`,
          `reset-start ${b.box.id}`,
          `reset-done ${b.box.id}`,
        ].sort(),
      );
    } finally {
      await pool.close();
    }
  });

  it('never lends one box to two holders at once under many concurrent requests', async () => {
    const pool = await makePool(2);
    try {
      const holding = new Set<number>();
      let overlaps = 0;
      let most = 0;
      await Promise.all(
        Array.from({ length: 30 }, async (_, i) => {
          const lease = await pool.acquire();
          if (holding.has(lease.box.id)) overlaps++;
          holding.add(lease.box.id);
          most = Math.max(most, holding.size);
          // Each holder finds the box empty, leaves a file, and holds it a little.
          expect(readdirSync(lease.box.dir)).toEqual([]);
          writeFileSync(path.join(lease.box.dir, `from-${i}`), String(i));
          await new Promise((resolve) => setTimeout(resolve, i % 3));
          holding.delete(lease.box.id);
          lease.release();
        }),
      );
      expect(overlaps).toBe(0);
      expect(most).toBeLessThanOrEqual(2);
    } finally {
      await pool.close();
    }
  });
});
