// Reading what the user drops: files, folders (walked with their paths), archives as
// base64. Only bytes and names; what a file is, is the engine's business.

export function toBase64(buffer) {
  const bytes = new Uint8Array(buffer);
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

function readEntries(reader) {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

async function walkEntry(entry, out) {
  if (entry.isFile) {
    out.push(await new Promise((resolve, reject) => entry.file((f) => resolve([f, entry.fullPath]), reject)));
  } else if (entry.isDirectory) {
    const reader = entry.createReader();
    for (let batch = await readEntries(reader); batch.length; batch = await readEntries(reader)) {
      for (const child of batch) await walkEntry(child, out);
    }
  }
}

// [File, path] pairs of a drop: folders walked (paths kept), else the plain file list.
export async function droppedFiles(dataTransfer) {
  const items = Array.from(dataTransfer.items || []);
  const entries = items.map((i) => (i.webkitGetAsEntry ? i.webkitGetAsEntry() : null)).filter(Boolean);
  const pairs = [];
  if (entries.length) {
    for (const entry of entries) await walkEntry(entry, pairs);
  } else {
    for (const f of Array.from(dataTransfer.files || [])) pairs.push([f, ""]);
  }
  return pairs;
}
