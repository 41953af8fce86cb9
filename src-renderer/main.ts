// Renderer entry: mounts the Svelte 5 app (the same in Electron and in a browser under bgpt serve).
import { mount } from 'svelte';
import App from './App.svelte';
import './styles/global.css';

mount(App, { target: document.getElementById('app')! });
