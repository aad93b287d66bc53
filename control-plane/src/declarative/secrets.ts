import { readFile } from 'node:fs/promises';
import { SecretRef } from '@tollgate/schema';

/** LiteLLM's way of naming an environment variable: `os.environ/NAME`. */
const OS_ENVIRON = /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/;

/** `os.environ/NAME` → `env:NAME`; anything else unchanged. */
export function normalizeRef(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const match = OS_ENVIRON.exec(value.trim());
  return match ? `env:${match[1]}` : value;
}

/** The variable an `os.environ/NAME` value names, or undefined for any other value. */
export function osEnvironName(value: unknown): string | undefined {
  return typeof value === 'string' ? OS_ENVIRON.exec(value.trim())?.[1] : undefined;
}

export function isSecretRef(value: unknown): value is string {
  return SecretRef.safeParse(value).success;
}

export type SecretRead = { ok: true; value: string } | { ok: false; message: string };

/**
 * Reads the secret an `env:NAME` / `file:/path` reference names, as the data plane does (file contents trimmed).
 * Failure messages name the reference, never a value.
 */
export async function readSecret(ref: string, env: NodeJS.ProcessEnv): Promise<SecretRead> {
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    const value = env[name];
    if (value === undefined || value === '') return { ok: false, message: `${name} is not set in the control plane's environment` };
    return { ok: true, value };
  }
  if (ref.startsWith('file:')) {
    const path = ref.slice(5);
    try {
      const value = (await readFile(path, 'utf8')).trim();
      return value === '' ? { ok: false, message: `${path} is empty` } : { ok: true, value };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return { ok: false, message: `cannot read ${path}${code ? ` (${code})` : ''}` };
    }
  }
  return { ok: false, message: 'must be a reference such as env:NAME or file:/path' };
}
