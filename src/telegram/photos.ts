import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { InputFile } from 'telegraf/types';
import { assetFile } from '../shared/photo-ref.js';
import { rootPath } from '../shared/paths.js';

/** What the Bot API is handed for a photo: a file_id or URL, or the file's bytes to upload. */
export type PhotoInput = string | InputFile;

/**
 * The pictures screens name (Screen.photo). An `asset:` picture is read from data/photos/ and
 * uploaded the first time; Telegram's file_id from that send is kept, and later sends use it, so
 * each process uploads a picture once. A URL is handed over as it is (Telegram fetches it).
 *
 * The file_ids live in memory only: they belong to this bot token, and losing them costs one
 * upload per picture after a restart. A file_id Telegram refuses is forgotten (see `forget`).
 */
export class PhotoLibrary {
  private readonly bytes = new Map<string, Buffer>();
  private readonly fileIds = new Map<string, string>();

  constructor(private readonly dir = rootPath('data', 'photos')) {}

  /** The input for `ref`: its file_id once known, else the upload (for asset:), else `ref` itself. */
  input(ref: string): PhotoInput {
    const known = this.fileIds.get(ref);
    if (known) return known;
    const file = assetFile(ref, this.dir);
    if (!file) return ref;
    let source = this.bytes.get(ref);
    if (!source) {
      source = readFileSync(file);
      this.bytes.set(ref, source);
    }
    return { source, filename: path.basename(file) };
  }

  /** True when `input(ref)` would name a file_id (so a refusal is worth one retry as an upload). */
  isCached(ref: string): boolean {
    return this.fileIds.has(ref);
  }

  /** Keeps the file_id of the largest size of a sent photo message (sendPhoto, editMessageMedia). */
  remember(ref: string, sent: unknown): void {
    if (!assetFile(ref, this.dir) || typeof sent !== 'object' || sent === null) return;
    const sizes = (sent as { photo?: Array<{ file_id?: unknown }> }).photo;
    const largest = Array.isArray(sizes) ? sizes.at(-1)?.file_id : undefined;
    if (typeof largest === 'string' && largest) this.fileIds.set(ref, largest);
  }

  forget(ref: string): void {
    this.fileIds.delete(ref);
  }
}
