// The page's side of the worker: `call('train', args, onEvent)` posts a request and resolves
// with its reply (or rejects with the worker's error message); events for that call go to
// onEvent as they come.

import type { CallName, Calls, Reply, Request, WorkerEvent } from './protocol.js';

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
  onEvent?: (event: WorkerEvent) => void;
}

export class EngineClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly worker: Worker, onCrash: (message: string) => void) {
    worker.onmessage = (e: MessageEvent<Reply>) => {
      const reply = e.data;
      const p = this.pending.get(reply.id);
      if (!p) return;
      if ('event' in reply) {
        p.onEvent?.(reply.event);
        return;
      }
      this.pending.delete(reply.id);
      if ('error' in reply) p.reject(new Error(reply.error));
      else p.resolve(reply.result);
    };
    worker.onerror = (e: ErrorEvent) => {
      const message = `the engine's worker failed: ${e.message || 'unknown error (see the console)'}`;
      for (const p of this.pending.values()) p.reject(new Error(message));
      this.pending.clear();
      onCrash(message);
    };
  }

  call<K extends CallName>(call: K, args: Calls[K]['args'], onEvent?: (event: WorkerEvent) => void,
    transfer: Transferable[] = []): Promise<Calls[K]['result']> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject, onEvent });
      const request: Request<K> = { id, call, args };
      this.worker.postMessage(request, transfer);
    });
  }

  terminate(): void {
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new Error('the engine was restarted'));
    this.pending.clear();
  }
}
