/* sieuapp Web Push service worker: shows what the platform pushes and opens its link.
 * The payload is the JSON the webpush plugin sends:
 * {"title", "body", "link", "kind", "critical", "data"}. */
'use strict';

self.addEventListener('install', function () {
  self.skipWaiting();
});

self.addEventListener('activate', function (event) {
  event.waitUntil(self.clients.claim());
});

function readPayload(event) {
  if (!event.data) {
    return {};
  }
  try {
    return event.data.json();
  } catch (error) {
    /* A payload that is not JSON is still worth showing as text. */
    return { body: event.data.text() };
  }
}

self.addEventListener('push', function (event) {
  var message = readPayload(event);
  var data = message.data || {};
  var options = {
    body: message.body || '',
    data: { link: message.link || data.link || '/', kind: message.kind || '' },
    tag: data.topic || data.thread_id || undefined,
    renotify: Boolean(data.topic || data.thread_id),
    /* A critical government alert stays on screen until the citizen acts on it. */
    requireInteraction: Boolean(message.critical),
    lang: data.language || undefined
  };
  event.waitUntil(self.registration.showNotification(message.title || 'sieuapp', options));
});

self.addEventListener('notificationclick', function (event) {
  event.notification.close();
  var target = new URL(event.notification.data.link || '/', self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(function (open) {
      for (var i = 0; i < open.length; i += 1) {
        if (open[i].url === target && 'focus' in open[i]) {
          return open[i].focus();
        }
      }
      return self.clients.openWindow(target);
    })
  );
});
