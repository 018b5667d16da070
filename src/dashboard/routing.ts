import { useEffect, useState } from 'preact/hooks';

/** A page of the dashboard. The address fragment names it, so the API serves one page only. */
export type Route =
  | { page: 'webhooks' }
  | { page: 'add-webhook' }
  | { page: 'webhook'; id: string }
  | { page: 'delivery'; id: string }
  | { page: 'receiver-help' };

/** Returns the route of an address fragment such as `#/webhooks/ep_123`; the list otherwise. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'webhooks' && parts[1] === 'new') return { page: 'add-webhook' };
  if (parts[0] === 'webhooks' && parts[1]) return { page: 'webhook', id: parts[1] };
  if (parts[0] === 'deliveries' && parts[1]) return { page: 'delivery', id: parts[1] };
  if (parts[0] === 'receiver-help') return { page: 'receiver-help' };
  return { page: 'webhooks' };
}

/** Returns the link to a route. */
export function linkTo(route: Route): string {
  switch (route.page) {
    case 'webhooks':
      return '#/webhooks';
    case 'add-webhook':
      return '#/webhooks/new';
    case 'webhook':
      return `#/webhooks/${encodeURIComponent(route.id)}`;
    case 'delivery':
      return `#/deliveries/${encodeURIComponent(route.id)}`;
    case 'receiver-help':
      return '#/receiver-help';
  }
}

/** Opens a route, as following its link does. */
export function navigate(route: Route): void {
  location.hash = linkTo(route);
}

let navigated = false;

/** Returns true once the route has changed since the page loaded. */
export function hasNavigated(): boolean {
  return navigated;
}

/** Returns the current route and renders again when it changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => {
      navigated = true;
      setRoute(parseRoute(location.hash));
    };
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}
