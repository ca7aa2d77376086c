// Every view has a URL: the hash holds the view and its parameters, so a reload or a shared link
// lands on the same view (and the page works under any base path without server routes).
//   #/?q=ord&sort=pending&dir=desc         overview
//   #/s/<stream>/<tab>?group=g&…           a stream's tab

/** The current view. */
export interface Route {
  /** `null`: the overview. */
  stream: string | null;
  /** The tab of the stream page. */
  tab: string;
  /** The view's parameters (filters, page position). */
  params: Record<string, string>;
}

/** Parses `location.hash`. */
export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(query)) if (key !== '__proto__') params[key] = value;
  const parts = path.split('/').filter((p) => p !== '');
  if (parts[0] === 's' && parts[1] !== undefined) {
    try {
      return { stream: decodeURIComponent(parts[1]), tab: parts[2] ?? 'groups', params };
    } catch {
      return { stream: null, tab: 'groups', params: {} };
    }
  }
  return { stream: null, tab: 'groups', params };
}

/** The hash of a route. */
export function formatRoute(route: Route): string {
  const query = new URLSearchParams(Object.entries(route.params).filter(([, v]) => v !== '')).toString();
  const path = route.stream === null ? '#/' : `#/s/${encodeURIComponent(route.stream)}/${route.tab}`;
  return query === '' ? path : `${path}?${query}`;
}

/** Goes to a route (a new history entry; reload lands here). */
export const go = (route: Route): void => {
  location.hash = formatRoute(route);
};

/** Changes the current route's parameters in place (no new history entry). */
export const setParams = (route: Route, params: Record<string, string | undefined>): void => {
  const next = { ...route.params };
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === '') delete next[key];
    else next[key] = value;
  }
  history.replaceState(null, '', formatRoute({ ...route, params: next }));
  dispatchEvent(new HashChangeEvent('hashchange'));
};
