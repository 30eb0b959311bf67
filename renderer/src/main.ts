// Entry: the API client is created first (it picks its transport and, in web mode, takes the
// launch token out of the URL before the router reads it).
import { api } from './api.js';
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { router } from './router.js';
import { webglIsSoftware } from './charts/pointLayer.js';
import './styles.css';

const app = createApp(App);
app.use(createPinia());
app.use(router);
app.config.errorHandler = (err) => console.error('disobey:', err);
app.mount('#app');
document.documentElement.dataset.transport = api.transport;
// Whether WebGL is drawn in software decides how the point layer draws; asked while the page is idle.
if ('requestIdleCallback' in window) requestIdleCallback(() => webglIsSoftware(), { timeout: 2000 });
