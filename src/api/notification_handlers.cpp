// GET /api/v1/notifications, POST /api/v1/notifications/{id}/read, POST /api/v1/notifications/read-all
// (docs/notifications.md): the caller's own notifications only (NotificationJson in views.cpp).
#include "api/handlers.hpp"
#include "api/views.hpp"

namespace mamori::api {

Response ListNotifications(App& app, Call& call) {
  auto page = PageOf(call.req);
  if (!page.ok()) return Response::Problem(page.error());
  for (const auto& [key, _] : call.req.query)
    if (key != "page" && key != "per_page") return Response::Problem(Error::Validation(key, "unknown_field"));
  return Answer(app.notifications.List(call.actor(), *page), [](const domain::NotificationPage& p) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& n : p.items) items.push_back(NotificationJson(n));
    return Response::Json(200, {{"items", items}, {"total", p.total}, {"unread", p.unread}});
  });
}

Response ReadNotification(App& app, Call& call) {
  const std::string& id = call.req.params["id"];
  if (!ValidId(id)) return Response::Problem(Error::NotFound("通知"));
  return Answer(app.notifications.MarkRead(call.actor(), id),
                [](const storage::NotificationRecord& n) { return Response::Json(200, NotificationJson(n)); });
}

Response ReadAllNotifications(App& app, Call& call) {
  return Answer(app.notifications.MarkAllRead(call.actor()),
                [](int64_t n) { return Response::Json(200, {{"marked", n}, {"unread", 0}}); });
}

}  // namespace mamori::api
