import type { ConfigSource } from '../config/source.js';

/** A config source the test drives by hand; counts the resyncs the data plane asks for. */
export class ManualConfigSource implements ConfigSource {
  resyncs = 0;
  private deliver: ((message: unknown) => void) | undefined;

  start(deliver: (message: unknown) => void): void {
    this.deliver = deliver;
  }

  push(message: unknown): void {
    if (!this.deliver) throw new Error('source not started');
    this.deliver(message);
  }

  resync(): void {
    this.resyncs++;
  }

  async close(): Promise<void> {
    this.deliver = undefined;
  }
}
