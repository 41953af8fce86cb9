// Entry of the viewers' test-only page: mounts ViewerPage (see there) with the studio's stylesheet.
import { mount } from 'svelte';
import ViewerPage from './ViewerPage.svelte';
import '../../../src-renderer/styles/global.css';

// The page runs in Chromium, but tests/ is type-checked with Node's libs only (no DOM).
declare const document: { getElementById(id: string): Parameters<typeof mount>[1]['target'] };

mount(ViewerPage, { target: document.getElementById('app') });
