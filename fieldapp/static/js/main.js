/** Page start-up: the offline modules hook in here (quick exit lives in quick-exit.js). */
