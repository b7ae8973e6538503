import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../test/harness.ts';

const C = 50;

// 200000 frames of ~220 bytes at -O2 (a volatile array read after the call: no tail call, nothing optimised
// away): ~45 MB of stack, past the usual 8 MiB and within Judge0's default 64000 KB.
const deepRecursion = `#include <stdio.h>
__attribute__((noinline)) static int deep(int n) {
  volatile char frame[200];
  frame[0] = (char)n;
  return n == 0 ? 0 : deep(n - 1) + frame[0];
}
int main(void) {
  volatile int sum = deep(200000);
  (void)sum;
  puts("returned");
  return 0;
}
`;

describe("Judge0's stack_limit on the real sandbox", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const submit = (extra: Record<string, unknown>) =>
    h.post('/submissions?wait=true&fields=*', { source_code: deepRecursion, language_id: C, ...extra });

  it('accepts a recursion 45 MB deep under the default stack_limit (64000 KB)', async () => {
    const res = await submit({});
    expect(res.status).toBe(201);
    expect(res.body.stack_limit).toBe(64_000);
    expect(res.body, JSON.stringify(res.body)).toMatchObject({
      status: { id: 3, description: 'Accepted' },
      stdout: 'returned\n',
    });
  });

  it('ends it with SIGSEGV under stack_limit 8000', async () => {
    const res = await submit({ stack_limit: 8000 });
    expect(res.status).toBe(201);
    expect(res.body, JSON.stringify(res.body)).toMatchObject({
      status: { id: 7, description: 'Runtime Error (SIGSEGV)' },
      exit_signal: 11,
      stdout: null,
    });
  });

  it('takes stack_limit 0 as isolate does: no stack limit but the memory limit', async () => {
    const res = await submit({ stack_limit: 0, memory_limit: 128_000 });
    expect(res.body, JSON.stringify(res.body)).toMatchObject({ status: { id: 3 }, stdout: 'returned\n' });
  });
});
