import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointPool } from '../../harness/client/endpoint-pool.js';
import { ISSUE_FAULTS, startVllmSim, type VllmSim } from '../helpers/vllm-sim.js';
import { request } from './requests.js';

// Integration: the real simulator with every kind of fault at once.
describe('EndpointPool against vllm-sim with faults', () => {
  let sim: VllmSim;
  beforeAll(async () => {
    sim = await startVllmSim([
      '--time-scale',
      '200',
      // one batch for all: no queueing, so only hangs run into the short timeout below
      '--max-num-seqs',
      '320',
      ...ISSUE_FAULTS,
      '--seed',
      '7',
    ]);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('completes ~300 concurrent judge requests, each exactly once', async () => {
    const pool = new EndpointPool({
      endpoints: [sim.url],
      timeoutMs: 3_000,
      backoff: { baseMs: 50, maxMs: 400 },
      cooldown: { baseMs: 100, maxMs: 400 },
    });
    try {
      const probe = await pool.probe(new AbortController().signal, 'GAIR/autoj-13b');
      expect(probe.maxModelLen).toBe(4096);
      await sim.reset();

      const n = 300;
      const signal = new AbortController().signal;
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) => pool.complete(request(i), signal)),
      );

      expect(results).toHaveLength(n);
      for (const r of results) {
        // a few real Auto-J critiques run past 1024 tokens and are cut off, as on vLLM
        if (r.finishReason === 'stop') expect(r.text).toMatch(/Rating: \[\[\d+\]\]$/);
        else expect(r.finishReason).toBe('length');
        expect(r.endpoint).toBe(sim.url);
      }
      const stats = await sim.stats();
      const attempts = results.reduce((sum, r) => sum + r.attempts, 0);
      // every attempt reached the server, and every judgment was generated exactly once
      expect(stats.requests).toBe(attempts);
      expect(stats.completed).toBe(n);
      expect(pool.stats().retries).toBe(attempts - n);
      // the faults did happen
      expect(stats.errors['500']).toBeGreaterThan(0);
      expect(stats.errors['429']).toBeGreaterThan(0);
      expect(stats.resets).toBeGreaterThan(0);
      expect(stats.hangs).toBeGreaterThan(0);
      expect(pool.stats().inFlight).toBe(0);
    } finally {
      pool.close();
    }
  });
});
