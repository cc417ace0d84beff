// People for the Kobe register suites (incidents, sub-records, attachments, violations,
// escalation): role assignments written out as the standard gives them, a person created by the
// admin, given their roles and fully signed in, and the suite set-up and teardown around them.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness.hpp"

namespace mamori::itest {

// A role assignment scoped to org unit `unit`.
inline json UnitRole(const std::string& role, const std::string& unit) {
  return {{"role", role}, {"scope_type", "org_unit"}, {"scope_id", unit}};
}
// A role assignment for the whole city.
inline json CityRole(const std::string& role) { return {{"role", role}, {"scope_type", "city"}}; }

// The "id" of a record or answer, "" when absent.
inline std::string Id(const json& doc) { return doc.value("id", ""); }

// The names of a record's available_actions.
inline std::set<std::string> Actions(const json& record) {
  std::set<std::string> out;
  for (const auto& a : record["available_actions"]) out.insert(a["action"].get<std::string>());
  return out;
}

class KobePeopleTest : public ApiTest {
 protected:
  // ApiTest's set-up, then `make` (org units, people); anything it throws becomes setup_error_.
  static void SetUpSuiteWith(const std::function<void()>& make) {
    ApiTest::SetUpTestSuite();
    if (!setup_error_.empty()) return;
    try {
      make();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }

  // Deletes the suite's people, then ApiTest's teardown.
  static void TearDownSuiteWith(std::initializer_list<Person**> people) {
    for (Person** p : people) {
      delete *p;
      *p = nullptr;
    }
    ApiTest::TearDownTestSuite();
  }

  // A user of `unit` created by the admin, given `assignments` (UnitRole/CityRole, with any
  // further keys such as delegate_of; a second-person role is approved by approver_) and fully
  // signed in. A contractor gets an end date. Owned by the caller.
  static Person* Make(const std::string& prefix, const std::string& unit, const std::vector<json>& assignments,
                      const std::string& employment = "regular") try {
    auto p = std::make_unique<Person>();
    p->login_id = UniqueLogin(prefix);
    json extra = employment == "contractor" ? json{{"expires_on", "2099-03-31"}} : json::object();
    json created = CreateUser(p->login_id, unit, employment, extra);
    p->id = created["id"].get<std::string>();
    p->password = created["temporary_password"].get<std::string>();
    for (json a : assignments) {
      a["user_id"] = p->id;
      Reply r = admin_->client->Post("/api/v1/role-assignments", a);
      if (r.status == 202)
        r = approver_->client->Post("/api/v1/requests/" + r.doc.value("request_id", "") + "/approve", json::object());
      Require(r.status == 201 || r.status == 200, "POST /role-assignments " + a.dump() + ": " + r.Describe());
    }
    p->client = NewClient();
    Reply r = p->client->Login(p->login_id, p->password);
    Require(r.status == 200, "first login of " + p->login_id + ": " + r.Describe());
    p->login_doc = r.doc;
    CompleteSignIn(*p);
    return p.release();
  } catch (const std::exception& e) {
    throw std::runtime_error(prefix + ": " + e.what());
  }
};

}  // namespace mamori::itest
