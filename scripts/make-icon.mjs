// Draws the app icon (resources/build/icon.png, 512×512) that electron-builder turns into each
// platform's format: a teacher's distribution (grey bars) and a student's (amber) that departs
// from it. Run once and commit the PNG; rerun only to change the design.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(root, 'resources', 'build', 'icon.png');
const SIZE = 512;

const teacher = [0.18, 0.42, 0.86, 0.42, 0.18];
const student = [0.3, 0.62, 0.7, 0.3, 0.12];
const bars = (heights, dx, colour) =>
  heights
    .map((h, i) => {
      const height = Math.round(h * 300);
      return `<rect x="${96 + i * 68 + dx}" y="${406 - height}" width="30" height="${height}" rx="6" fill="${colour}"/>`;
    })
    .join('');

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">
  <rect x="16" y="16" width="480" height="480" rx="96" fill="#1d2330"/>
  ${bars(teacher, 0, '#8a94a6')}
  ${bars(student, 30, '#f2a93b')}
  <rect x="84" y="414" width="344" height="10" rx="5" fill="#d7dce5"/>
</svg>`;

fs.mkdirSync(path.dirname(target), { recursive: true });
await sharp(Buffer.from(svg)).png({ compressionLevel: 9 }).toFile(target);
const { width, height } = await sharp(target).metadata();
console.log(`wrote ${path.relative(root, target)} (${width}×${height})`);
