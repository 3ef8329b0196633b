#include "ApiClient.h"

#include <curl/curl.h>

#include "FileAt.h"
#include "TextParse.h"

namespace agent::ctl {

Result<Endpoint> findEndpoint(const std::string& apiFlag, const std::string& tokenFileFlag,
                              const std::string& stateDir) {
  Endpoint endpoint;
  endpoint.url = apiFlag;
  if (endpoint.url.empty()) {
    auto recorded = readWholeFile(stateDir + "/api");
    endpoint.url = recorded ? std::string(text::trim(*recorded)) : "http://127.0.0.1:9102";
  }
  std::string tokenFile = tokenFileFlag.empty() ? stateDir + "/token" : tokenFileFlag;
  auto token = readWholeFile(tokenFile);
  if (!token) {
    if (token.error().errnum == EACCES)
      return logicError("read the API token (agentctl needs root)", tokenFile, EACCES);
    return logicError("read the API token (is agentd running? start it with `make run` or `agentd`)", tokenFile,
                      ECONNREFUSED);
  }
  endpoint.token = std::string(text::trim(*token));
  return endpoint;
}

namespace {
size_t collect(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}
}  // namespace

Result<ApiReply> ApiClient::call(const std::string& method, const std::string& path,
                                 const std::optional<nlohmann::json>& body, long timeoutSeconds) const {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return logicError("start an HTTP client", "", ENOMEM);
  std::string url = endpoint_.url + path;
  std::string received, sent = body ? body->dump() : std::string();
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Authorization: Bearer " + endpoint_.token).c_str());
  headers = curl_slist_append(headers, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &received);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeoutSeconds);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, sent.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(sent.size()));
  }
  CURLcode code = curl_easy_perform(curl);
  ApiReply reply;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST) {
    return logicError("reach agentd at " + endpoint_.url + " (is it running? start it with `make run` or `agentd`)", "",
                      ECONNREFUSED);
  }
  if (code != CURLE_OK)
    return logicError(std::string("talk to agentd: ") + curl_easy_strerror(code), endpoint_.url, EIO);
  reply.body = nlohmann::json::parse(received, nullptr, false);
  if (reply.body.is_discarded()) return logicError("read agentd's reply (not JSON)", url, EIO);
  return reply;
}

}  // namespace agent::ctl
