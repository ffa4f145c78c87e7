/* fieldapp service worker: placeholder until the offline issue lands. */
self.addEventListener('install', () => self.skipWaiting());
