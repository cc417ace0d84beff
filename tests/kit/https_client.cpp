#include "https_client.hpp"

#include <cctype>

#include <curl/curl.h>

namespace mamori::testkit {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<std::multimap<std::string, std::string>*>(user);
  std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();  // a new response (after 100 Continue)
  } else if (auto colon = line.find(':'); colon != std::string::npos) {
    headers->emplace(Lower(line.substr(0, colon)), Trim(line.substr(colon + 1)));
  }
  return size * n;
}

}  // namespace

std::string HttpReply::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

std::vector<std::string> HttpReply::AllHeaders(const std::string& lower_name) const {
  std::vector<std::string> out;
  auto [lo, hi] = headers.equal_range(lower_name);
  for (auto it = lo; it != hi; ++it) out.push_back(it->second);
  return out;
}

HttpsClient::HttpsClient(std::string ca_file) : ca_file_(std::move(ca_file)), curl_(curl_easy_init()) {}

HttpsClient::~HttpsClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

HttpReply HttpsClient::Send(const std::string& method, const std::string& url, const std::optional<std::string>& body,
                            const std::vector<std::string>& header_lines) {
  CURL* c = static_cast<CURL*>(curl_);
  curl_easy_reset(c);  // keeps the connection cache: requests reuse the keep-alive connection
  HttpReply r;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  if (ca_file_.empty()) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  } else {
    curl_easy_setopt(c, CURLOPT_CAINFO, ca_file_.c_str());
  }
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_seconds);
  if (!source_address.empty()) curl_easy_setopt(c, CURLOPT_INTERFACE, ("host!" + source_address).c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
  if (method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  if (body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data());
  } else if (method == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(0));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
  }
  curl_slist* headers = curl_slist_append(nullptr, "Expect:");
  for (const auto& h : header_lines) headers = curl_slist_append(headers, h.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  const CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    r.status = 0;
    r.error = curl_easy_strerror(rc);
    return r;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

}  // namespace mamori::testkit
