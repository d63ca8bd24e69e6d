// Debian's Chromium for the page tests, headless, driven by playwright-core: where it is, the
// flags for a machine with a closed network and no GPU, and a persistent context in a fresh
// profile folder (removed by `close`). With --enable-unsafe-webgpu Chromium offers WebGPU on its
// SwiftShader adapter (a CPU one). Used by test/apps/browser.test.ts and bench-page.test.ts.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
/** Flags for a headless Chromium on a machine with a closed network and no GPU. */
export const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic'];

/** A Chromium context with downloads accepted, WebGPU offered where `webgpu`; `close` also removes its profile. */
export async function launchChromium(webgpu: boolean, viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'ddpm-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM, headless: true, acceptDownloads: true, viewport,
    args: [...CHROMIUM_ARGS, ...(webgpu ? ['--enable-unsafe-webgpu'] : [])],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
