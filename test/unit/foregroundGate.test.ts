// The gate that puts quick calls before long work's steps (main/services/foregroundGate.ts).
import { describe, expect, it } from 'vitest';
import { createForegroundGate } from '../../main/services/foregroundGate.js';

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the foreground gate', () => {
  it('gives a turn and no more when no quick call is in flight', async () => {
    const gate = createForegroundGate();
    let stepped = false;
    void gate.turn().then(() => (stepped = true));
    await turns(2);
    expect(stepped).toBe(true);
  });

  it('holds every step while quick calls are in flight, and lets them all go when the last one has ended a while', async () => {
    const gate = createForegroundGate(60_000, 10);
    const first = gate.enter();
    const second = gate.enter();
    expect(gate.inFlight).toBe(2);
    const stepped: number[] = [];
    void gate.turn().then(() => stepped.push(1));
    void gate.turn().then(() => stepped.push(2));
    await turns(10);
    first();
    first(); // ending a call twice counts once
    expect(gate.inFlight).toBe(1);
    await turns(10);
    expect(stepped).toEqual([]);
    second();
    await turns(2);
    expect(stepped).toEqual([]); // the next call of a burst may be a few ms behind
    await sleep(40);
    expect(stepped).toEqual([1, 2]);
    expect(gate.inFlight).toBe(0);
  });

  it('keeps holding when the next call of a burst arrives within the linger', async () => {
    const gate = createForegroundGate(60_000, 30);
    gate.enter()();
    let stepped = false;
    void gate.turn().then(() => (stepped = true));
    await sleep(10);
    const next = gate.enter();
    await sleep(50);
    expect(stepped).toBe(false);
    next();
    await sleep(60);
    expect(stepped).toBe(true);
  });

  it('lets a step go after its longest wait, so a stream of quick calls slows long work but never stops it', async () => {
    const gate = createForegroundGate(30, 5);
    gate.enter(); // never ended
    const started = performance.now();
    await gate.turn();
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });
});
