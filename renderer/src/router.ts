// Hash history: the app is served from the Electron app protocol and from web mode's server,
// and neither has to know the renderer's routes.
import { createRouter, createWebHashHistory } from 'vue-router';
import DatasetView from './views/DatasetView.vue';
import DatasetsView from './views/DatasetsView.vue';

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', name: 'datasets', component: DatasetsView },
    {
      path: '/datasets/:id(\\d+)',
      name: 'dataset',
      component: DatasetView,
      props: (route) => ({ datasetId: Number(route.params.id) }),
    },
    { path: '/:pathMatch(.*)*', redirect: '/' },
  ],
});
