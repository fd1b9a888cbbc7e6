// Browser APIs the upload code needs that are awkward to reach from Rust: walking
// dropped folders (FileSystemEntry callbacks), a small IndexedDB store for resumable
// uploads, and waiting (timers, the `online` event). Nothing here touches the DOM.

/**
 * Starts collecting what a drop carries: files, and whole folder trees where the
 * browser gives entries. Must be called while the drop event is being dispatched
 * (the DataTransfer empties afterwards); answers a Promise of
 * `{ files: [{ file, path }], folders: [path] }`, paths relative to the drop target
 * with `/` between segments.
 */
export function collectDrop(dataTransfer) {
  const folders = [];
  const loose = [];
  const items = dataTransfer ? dataTransfer.items : null;
  if (items && items.length > 0) {
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (item.kind !== 'file') continue;
      const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
      if (entry && entry.isDirectory) {
        folders.push(entry);
      } else {
        const file = item.getAsFile();
        if (file) loose.push(file);
      }
    }
  } else if (dataTransfer && dataTransfer.files) {
    for (let i = 0; i < dataTransfer.files.length; i++) loose.push(dataTransfer.files[i]);
  }
  return (async () => {
    const out = { files: loose.map((file) => ({ file, path: file.name })), folders: [] };
    for (const entry of folders) await walk(entry, '', out);
    return out;
  })();
}

async function walk(entry, prefix, out) {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    out.files.push({ file, path });
  } else if (entry.isDirectory) {
    out.folders.push(path);
    const reader = entry.createReader();
    // readEntries answers in batches (100 at a time in Chromium) until an empty one.
    for (;;) {
      const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) break;
      for (const child of batch) await walk(child, path, out);
    }
  }
}

/** The files an `<input type="file">` holds, with their paths inside a picked folder. */
export function collectPicked(input) {
  const out = { files: [], folders: [] };
  const list = input.files;
  for (let i = 0; list && i < list.length; i++) {
    const file = list[i];
    out.files.push({ file, path: file.webkitRelativePath || file.name });
  }
  return out;
}

const DB_NAME = 'cairn-uploads';
const STORE = 'uploads';

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function withStore(mode, action) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = action(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  } finally {
    db.close();
  }
}

/** The saved state of an unfinished upload, or undefined. */
export function savedUpload(key) {
  return withStore('readonly', (store) => store.get(key)).catch(() => undefined);
}

/** Saves an unfinished upload's state (a JSON string) under `key`. */
export function saveUpload(key, value) {
  return withStore('readwrite', (store) => store.put(value, key)).catch(() => undefined);
}

/** Forgets an upload's saved state. */
export function forgetUpload(key) {
  return withStore('readwrite', (store) => store.delete(key)).catch(() => undefined);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether the browser believes it is online. */
export function isOnline() {
  return navigator.onLine !== false;
}

/** Resolves once the browser is online again (at once if it is). */
export function waitOnline() {
  if (isOnline()) return Promise.resolve();
  return new Promise((resolve) => window.addEventListener('online', () => resolve(), { once: true }));
}
