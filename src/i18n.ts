import { readdirSync, readFileSync } from 'node:fs';
import i18next, { type TFunction } from 'i18next';
import type { Locale } from './domain/customers/service.js';
import { rootPath } from './shared/paths.js';

export type { TFunction };

/** Escapes the characters Telegram's HTML parse mode cares about; use it on anything a customer typed. */
export const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Every `locales/<lng>/*.json` file, merged into the one `translation` namespace: each area
 * (ops.json, reminders.json, …) keeps its strings in its own file, under its own top-level key.
 */
export function loadResources(dir = rootPath('locales')): Record<string, { translation: Record<string, unknown> }> {
  const resources: Record<string, { translation: Record<string, unknown> }> = {};
  for (const lng of readdirSync(dir)) {
    const translation: Record<string, unknown> = {};
    for (const file of readdirSync(`${dir}/${lng}`)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const content = JSON.parse(readFileSync(`${dir}/${lng}/${file}`, 'utf8')) as Record<string, unknown>;
      for (const [key, value] of Object.entries(content)) {
        if (key in translation) throw new Error(`locales/${lng}/${file}: top-level key "${key}" is defined twice`);
        translation[key] = value;
      }
    }
    resources[lng] = { translation };
  }
  return resources;
}

export interface I18n {
  /** A `t` bound to one language: never changeLanguage on the shared instance, which concurrent updates in other languages use too. */
  t(locale: Locale): TFunction;
}

/** A private i18next instance with every locale loaded synchronously from locales/. */
export function createI18n(fallback: Locale): I18n {
  const instance = i18next.createInstance();
  void instance.init({
    resources: loadResources(),
    lng: fallback,
    fallbackLng: fallback,
    supportedLngs: ['zh-CN', 'en'],
    initAsync: false,
    returnNull: false,
    // Messages are HTML. Callers escape what customers typed (escapeHtml) and catalog text comes
    // escaped from Fmt.text, so values are inserted as given: no double escaping of fragments.
    interpolation: { escapeValue: false },
  });
  // A bound `t` per language. instance.t with an explicit lng is several times cheaper per call
  // than getFixedT's wrapper, and it is called dozens of times per update.
  const cache = new Map<Locale, TFunction>();
  return {
    t(locale) {
      let t = cache.get(locale);
      if (!t) {
        t = ((key: string | string[], options?: Record<string, unknown>) => instance.t(key, { ...options, lng: locale })) as unknown as TFunction;
        cache.set(locale, t);
      }
      return t;
    },
  };
}
