"""Progressive web app shell: manifest, service worker, offline page."""
