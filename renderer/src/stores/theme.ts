// The colour theme: the user's choice (System, Light or Dark, kept in localStorage), the system's
// preference (prefers-color-scheme, which the desktop shell's nativeTheme also drives), and the
// effective theme that styles.css and the charts follow through <html data-theme>. A choice goes
// to the shell (setTheme) so the native window and menus follow it; the application menu's
// View → theme commands arrive as `command` events.
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { ThemeChoice } from '../../../shared/desktop.js';
import { api } from '../api.js';

export type EffectiveTheme = 'light' | 'dark';

export const THEME_STORAGE_KEY = 'disobey.theme';
const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];
const COMMAND_THEMES: Readonly<Record<string, ThemeChoice>> = { themeSystem: 'system', themeLight: 'light', themeDark: 'dark' };

/** A stored choice, or 'system' when there is none or it is not one of the three. */
export function parseThemeChoice(stored: string | null | undefined): ThemeChoice {
  return THEME_CHOICES.includes(stored as ThemeChoice) ? (stored as ThemeChoice) : 'system';
}

export function effectiveTheme(choice: ThemeChoice, systemDark: boolean): EffectiveTheme {
  return choice === 'system' ? (systemDark ? 'dark' : 'light') : choice;
}

function readStoredChoice(): ThemeChoice {
  try {
    return parseThemeChoice(localStorage.getItem(THEME_STORAGE_KEY));
  } catch {
    return 'system'; // storage disabled: follow the system
  }
}

export const useThemeStore = defineStore('theme', () => {
  const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
  const systemDark = ref(media?.matches ?? false);
  media?.addEventListener('change', (e) => (systemDark.value = e.matches));

  const choice = ref<ThemeChoice>(readStoredChoice());
  const effective = computed(() => effectiveTheme(choice.value, systemDark.value));

  watch(
    effective,
    (theme) => {
      const root = document.documentElement;
      root.dataset.theme = theme;
      root.style.colorScheme = theme;
    },
    { immediate: true },
  );

  async function tellShell(theme: ThemeChoice): Promise<void> {
    try {
      await api.setTheme({ theme });
    } catch (err) {
      // the page's own theme has changed already; only the native frame keeps its old one
      console.warn('disobey: the desktop shell did not take the theme:', (err as Error).message);
    }
  }

  async function choose(next: ThemeChoice): Promise<void> {
    choice.value = next;
    try {
      if (next === 'system') localStorage.removeItem(THEME_STORAGE_KEY);
      else localStorage.setItem(THEME_STORAGE_KEY, next);
    } catch {
      // storage disabled: the choice holds for this window
    }
    await tellShell(next);
  }

  api.onEvent((event) => {
    if (event.type !== 'command') return;
    const next = COMMAND_THEMES[event.command];
    if (next) void choose(next);
  });

  // a stored choice other than the default: the native frame follows it from the start
  if (choice.value !== 'system') void tellShell(choice.value);

  return { choice, systemDark, effective, choose };
});
