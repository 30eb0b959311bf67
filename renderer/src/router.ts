// Hash history: the app is served from the Electron app protocol and from web mode's server,
// and neither has to know the renderer's routes.
import type { Component } from 'vue';
import { createRouter, createWebHashHistory, type RouteLocationNormalized, type RouteRecordRaw } from 'vue-router';
import { isBareStartHash, landingPage } from './runProgress.js';
import { useExperimentsStore } from './stores/experiments.js';
import DatasetView from './views/DatasetView.vue';
import DynamicsView from './views/DynamicsView.vue';
import EigenLabView from './views/EigenLabView.vue';
import GradientView from './views/GradientView.vue';
import HelpView from './views/HelpView.vue';
import MechanismsView from './views/MechanismsView.vue';
import DatasetsView from './views/DatasetsView.vue';
import CompareView from './views/CompareView.vue';
import ExperimentView from './views/ExperimentView.vue';
import ExplorerView from './views/ExplorerView.vue';
import FindingsView from './views/FindingsView.vue';
import ExperimentsView from './views/ExperimentsView.vue';
import NewExperimentView from './views/NewExperimentView.vue';
import SetsView from './views/SetsView.vue';

/** Read before the router normalises the URL: a start with no route opens the newest experiment. */
const startedWithoutRoute = isBareStartHash(window.location.hash);
/** How long the first page waits for the experiment list before showing the datasets page. */
const START_WAIT_MS = 2000;

/** An experiment's pages: /experiments/:id for `experiment`, /experiments/:id/<name> for the others, each given the id as `experimentId`. */
function experimentPages(pages: Record<string, Component>): RouteRecordRaw[] {
  return Object.entries(pages).map(([name, component]) => ({
    path: name === 'experiment' ? '/experiments/:id(\\d+)' : `/experiments/:id(\\d+)/${name}`,
    name,
    component,
    props: (route: RouteLocationNormalized) => ({ experimentId: Number(route.params.id) }),
  }));
}

function datasetPage(path: string, name: string, component: Component): RouteRecordRaw {
  return { path, name, component, props: (route) => ({ datasetId: Number(route.params.id) }) };
}

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', name: 'datasets', component: DatasetsView },
    datasetPage('/datasets/:id(\\d+)', 'dataset', DatasetView),
    { path: '/experiments', name: 'experiments', component: ExperimentsView },
    { path: '/experiments/new', name: 'new-experiment', component: NewExperimentView },
    ...experimentPages({ experiment: ExperimentView, findings: FindingsView, explore: ExplorerView, compare: CompareView, gradients: GradientView, dynamics: DynamicsView }),
    datasetPage('/datasets/:id(\\d+)/mechanisms', 'mechanisms', MechanismsView),
    { path: '/eigen-lab', name: 'eigen-lab', component: EigenLabView },
    { path: '/help', name: 'help', component: HelpView },
    { path: '/sets', name: 'sets', component: SetsView, props: { setId: null } },
    { path: '/sets/:id(\\d+)', name: 'set', component: SetsView, props: (route) => ({ setId: Number(route.params.id) }) },
    { path: '/:pathMatch(.*)*', redirect: '/' },
  ],
});

// After a demo (or any training) the app opens on the newest experiment; a URL naming a page wins.
let firstNavigation = true;
router.beforeEach(async (to) => {
  if (!firstNavigation) return true;
  firstNavigation = false;
  if (!startedWithoutRoute || to.name !== 'datasets') return true;
  const experiments = useExperimentsStore();
  await Promise.race([experiments.load(), new Promise((resolve) => setTimeout(resolve, START_WAIT_MS))]);
  const newest = experiments.newestId;
  const experiment = newest !== null ? experiments.byId.get(newest) : undefined;
  // A trained experiment opens on its findings (the answer); one still waiting on its runs.
  return newest !== null ? { name: experiment ? landingPage(experiment) : 'experiment', params: { id: String(newest) }, replace: true } : true;
});
