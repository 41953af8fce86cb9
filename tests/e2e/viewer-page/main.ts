// Entry of the viewers' test-only page: mounts ViewerPage (see there) with the studio's stylesheet.
import { mount } from 'svelte';
import ViewerPage from './ViewerPage.svelte';
import '../../../src-renderer/styles/global.css';

mount(ViewerPage, { target: document.getElementById('app')! });
