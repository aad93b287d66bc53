import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';

export interface FileWatchOptions {
  /** Quiet time after the last event before `onChange` runs: an editor's save is several events. Default 200 ms. */
  debounceMs?: number;
  /**
   * Also call `onChange` this often whatever the events say (0: never). Catches what directory events miss:
   * network file systems, a `file:` secret the config refers to changing, a watch lost with its directory.
   * `onChange` is expected to compare content hashes, so a tick that finds nothing new costs one read. Default 5 s.
   */
  pollMs?: number;
  onError?: (err: unknown) => void;
}

export interface FileWatch {
  close(): void;
}

/**
 * Calls `onChange` (debounced) when the file at `path` may have changed. The directory is watched, not the file:
 * editors that save by writing a temporary file and renaming it over the original (vim, many IDEs), and Kubernetes
 * ConfigMap mounts (a `..data` symlink swapped), replace the file's inode, and a watch on the file itself would
 * stay on the old one. Any event in the directory schedules a check; the check decides by content.
 */
export function watchFile(path: string, onChange: () => void, options: FileWatchOptions = {}): FileWatch {
  const debounceMs = options.debounceMs ?? 200;
  const pollMs = options.pollMs ?? 5_000;
  let timer: NodeJS.Timeout | null = null;
  let watcher: FSWatcher | null = null;
  let closed = false;

  const schedule = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (!closed) onChange();
    }, debounceMs);
  };

  const startWatching = () => {
    if (closed || watcher) return;
    try {
      watcher = watch(dirname(path), { persistent: false }, schedule);
      watcher.on('error', (err) => {
        options.onError?.(err);
        watcher?.close();
        watcher = null; // the poll tries again
      });
    } catch (err) {
      // The directory may not exist yet (a volume mounted later); the poll retries.
      options.onError?.(err);
      watcher = null;
    }
  };

  startWatching();
  const poll =
    pollMs > 0
      ? setInterval(() => {
          startWatching();
          schedule();
        }, pollMs)
      : null;
  poll?.unref();

  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
      watcher?.close();
      watcher = null;
    },
  };
}
