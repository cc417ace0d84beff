// For the storage conformance suites only (the *_test.cpp beside the repositories): a fresh,
// migrated database per test on the engine the test parameter names ("sqlite" or "postgres";
// the postgres half fails rather than skips without MAMORI_TEST_PG_URL), holding a small
// organisation: the city, bureau b1 and its sections s1 and s2.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "storage/repos.hpp"
#include "storage/test_db.hpp"

namespace mamori::storage {

class ConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    tdb_ = std::make_unique<TestDatabase>(GetParam());
    ASSERT_NE(tdb_->db(), nullptr) << "cannot open a " << GetParam()
                                   << " test database (is MAMORI_TEST_PG_URL set and the server up?)";
    db_ = tdb_->db();
    ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
      OrgRepo o(c);
      MAMORI_TRY(o.Insert({"city", "city", "テスト市", "city", "", "", "", 1}));
      MAMORI_TRY(o.Insert({"b1", "b1", "局1", "bureau", "city", "", "", 2}));
      MAMORI_TRY(o.Insert({"s1", "s1", "課1", "section", "b1", "", "", 3}));
      return o.Insert({"s2", "s2", "課2", "section", "b1", "", "", 4});
    }).ok());
  }

  std::unique_ptr<TestDatabase> tdb_;
  Database* db_ = nullptr;
};

}  // namespace mamori::storage
