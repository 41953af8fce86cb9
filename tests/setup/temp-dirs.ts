// Vitest setup file (runs in each test file before it): removes the file-level folders of tests/helpers/temp.ts
// when the file ends. Registered first, so with the default `sequence.hooks: 'stack'` it runs after the file's own
// afterAll hooks (servers and studios are closed before their folders go).
import { afterAll } from 'vitest';
import { markFileCleanupInstalled, removeFileTempDirs } from '../helpers/temp';

markFileCleanupInstalled();
afterAll(removeFileTempDirs);
