// The demo: real MNIST digits before and after each augmentation, written as one PNG grid.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setBackend } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { writeGallery } from './gallery.js';

await setBackend(cpu());
const file = process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'gallery.png');
const { rows, leaked } = await writeGallery(file);
console.log(`wrote ${file}: one row per augmentation, digits 0-9 left to right`);
rows.forEach((name, i) => console.log(`  row ${String(i + 1).padStart(2)}: ${name}`));
console.log(`live tensors left: ${leaked}`);
