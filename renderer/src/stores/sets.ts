// Curated sets: every set (refreshed on `curatedSetsChanged`), the open set's page of members,
// the calls that create, fill, edit and delete sets, and the sets the number keys 1–9 add to
// (the most recently used on this machine first, kept in localStorage).
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { CallArgs, CallResult } from '../../../shared/contract.js';
import type { CuratedSetMember, CuratedSetSummary } from '../../../shared/curatedSets.js';
import { api } from '../api.js';
import { setKeysOf } from '../explorer/reviewKeys.js';
import { upsertById } from './keyedList.js';

const RECENT_STORAGE_KEY = 'disobey.recentCuratedSets';
const REMEMBERED = 50;
export const MEMBERS_PAGE = 200;

function readRecent(): number[] {
  try {
    const parsed: unknown = JSON.parse(globalThis.localStorage?.getItem(RECENT_STORAGE_KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((x): x is number => Number.isInteger(x) && x > 0) : [];
  } catch {
    return [];
  }
}

export const useSetsStore = defineStore('sets', () => {
  const list = ref<CuratedSetSummary[]>([]);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  /** set ids, the most recently added to or created first (this machine's record) */
  const recent = ref<number[]>(readRecent());
  /** the dataset whose sets the number keys address (the explorer's, while it is open) */
  const keysDatasetId = ref<number | null>(null);
  /** the open set's page of members */
  const members = ref<{ setId: number; page: number; total: number; items: CuratedSetMember[] } | null>(null);

  const byId = computed(() => new Map(list.value.map((s) => [s.id, s])));
  const ofDataset = (datasetId: number) => list.value.filter((s) => s.datasetId === datasetId);
  /** what keys 1–9 add to right now (none when no explorer is open) */
  const numberKeys = computed(() => (keysDatasetId.value === null ? [] : setKeysOf(ofDataset(keysDatasetId.value), recent.value)));

  let loadSeq = 0;
  async function load(): Promise<void> {
    const seq = ++loadSeq;
    try {
      const result = await api.listCuratedSets({});
      if (seq !== loadSeq) return; // a later refresh superseded this one
      list.value = result;
      loaded.value = true;
      error.value = null;
    } catch (err) {
      if (seq === loadSeq) error.value = (err as Error).message;
    }
  }

  async function loadMembers(setId: number, page: number): Promise<void> {
    try {
      const result = await api.listCuratedSetMembers({ setId, offset: page * MEMBERS_PAGE, limit: MEMBERS_PAGE });
      members.value = { setId, page, total: result.total, items: result.items };
      error.value = null;
    } catch (err) {
      error.value = (err as Error).message;
    }
  }

  api.onEvent((event) => {
    if (event.type !== 'curatedSetsChanged') return;
    void load();
    if (members.value) void loadMembers(members.value.setId, members.value.page);
  });

  const upsert = (set: CuratedSetSummary): CuratedSetSummary => upsertById(list.value, set);

  /** A set was just added to or created: it becomes key 1. */
  function markUsed(setId: number): void {
    recent.value = [setId, ...recent.value.filter((id) => id !== setId)].slice(0, REMEMBERED);
    try {
      globalThis.localStorage?.setItem(RECENT_STORAGE_KEY, JSON.stringify(recent.value));
    } catch {
      // storage full or disabled: the order lasts for this session
    }
  }

  async function create(args: CallArgs<'createCuratedSet'>): Promise<CuratedSetSummary> {
    const set = upsert(await api.createCuratedSet(args));
    markUsed(set.id);
    return set;
  }

  async function add(args: CallArgs<'addToCuratedSet'>): Promise<CuratedSetSummary> {
    const set = upsert(await api.addToCuratedSet(args));
    markUsed(set.id);
    return set;
  }

  /** Adds through a number key's set (1 = the most recently used of the keyed dataset). */
  async function addByKey(key: number, exampleId: number): Promise<CuratedSetSummary | null> {
    const target = numberKeys.value.find((k) => k.key === key);
    return target ? add({ setId: target.setId, exampleIds: [exampleId] }) : null;
  }

  async function removeMembers(args: CallArgs<'removeFromCuratedSet'>): Promise<CuratedSetSummary> {
    return upsert(await api.removeFromCuratedSet(args));
  }

  async function setNote(args: CallArgs<'setCuratedNote'>): Promise<void> {
    await api.setCuratedNote(args);
  }

  async function update(args: CallArgs<'updateCuratedSet'>): Promise<CuratedSetSummary> {
    return upsert(await api.updateCuratedSet(args));
  }

  async function remove(setId: number): Promise<void> {
    await api.deleteCuratedSet({ setId });
    list.value = list.value.filter((s) => s.id !== setId);
    if (members.value?.setId === setId) members.value = null;
  }

  /** The sets an example is in, with its note in each. */
  function setsOfExample(exampleId: number): Promise<CallResult<'curatedSetsOfExample'>> {
    return api.curatedSetsOfExample({ exampleId });
  }

  return {
    list,
    loaded,
    error,
    recent,
    keysDatasetId,
    members,
    byId,
    numberKeys,
    ofDataset,
    load,
    loadMembers,
    markUsed,
    create,
    add,
    addByKey,
    removeMembers,
    setNote,
    update,
    remove,
    setsOfExample,
  };
});
