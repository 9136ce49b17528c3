import { EngineTimeoutError, isNotFound, withTimeout } from '@dockpulse/collector/docker/client';

describe('engine call timeouts', () => {
  it('a call that does not answer is rejected with a message naming it, and its request is aborted', async () => {
    let signal: AbortSignal | undefined;
    const call = withTimeout('stats of container abc', 50, (s) => {
      signal = s;
      return new Promise<never>(() => undefined);
    });
    await expect(call).rejects.toThrow(EngineTimeoutError);
    await expect(call).rejects.toThrow('stats of container abc: the Docker engine did not answer within 50 ms');
    expect(signal?.aborted).toBe(true);
  });

  it('a call that answers in time passes its value through and is not aborted', async () => {
    let signal: AbortSignal | undefined;
    const value = await withTimeout('GET /info', 1000, async (s) => {
      signal = s;
      return 42;
    });
    expect(value).toBe(42);
    expect(signal?.aborted).toBe(false);
  });

  it('recognises the engine\'s 404 answer', () => {
    expect(isNotFound({ statusCode: 404 })).toBe(true);
    expect(isNotFound(new Error('x'))).toBe(false);
    // Podman 4.3 on a container removed a moment ago (message as dockerode words it)
    const podmanGone = Object.assign(
      new Error('(HTTP code 500) server error - container 30d0008958df does not exist in database: no such container '),
      { statusCode: 500 },
    );
    expect(isNotFound(podmanGone)).toBe(true);
    expect(isNotFound(Object.assign(new Error('(HTTP code 500) server error - disk full'), { statusCode: 500 }))).toBe(false);
  });
});
