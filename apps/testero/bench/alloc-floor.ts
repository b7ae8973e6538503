// The floor for /api/mem/set: a bare Node process allocating and writing 1 GiB in 64 MiB buffers.
// Prints the milliseconds it took, from the first allocation to the last page written.
const total = Number(process.argv[2] ?? 1024 ** 3);
const part = 64 * 1024 * 1024;
const started = performance.now();
const held: Buffer[] = [];
for (let done = 0; done < total; done += part)
  held.push(Buffer.allocUnsafeSlow(Math.min(part, total - done)).fill(0x5a));
process.stdout.write(`${(performance.now() - started).toFixed(1)}\n`);
