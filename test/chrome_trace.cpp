#include "chrome_trace.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

namespace kiln::test {

std::vector<TraceEvent> read_chrome_trace(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(text.str());
  if (!json) throw std::runtime_error(path + ": not JSON: " + llvm::toString(json.takeError()));
  const llvm::json::Object* root = json->getAsObject();
  const llvm::json::Array* list = root ? root->getArray("traceEvents") : nullptr;
  if (!list) throw std::runtime_error(path + ": no traceEvents array");
  std::vector<TraceEvent> events;
  for (const llvm::json::Value& v : *list) {
    const llvm::json::Object* e = v.getAsObject();
    if (!e) throw std::runtime_error(path + ": an event is not an object");
    TraceEvent t;
    auto str = [&](llvm::StringRef key, std::string& out, bool required) {
      if (auto s = e->getString(key))
        out = s->str();
      else if (required)
        throw std::runtime_error(path + ": an event without " + key.str());
    };
    str("name", t.name, true);
    str("ph", t.phase, true);
    if (t.phase != "M") {
      str("cat", t.category, true);
      auto ts = e->getNumber("ts"), dur = e->getNumber("dur");
      auto tid = e->getInteger("tid");
      if (!ts || !dur || !tid)
        throw std::runtime_error(path + ": event " + t.name + " lacks ts/dur/tid");
      t.ts = *ts;
      t.dur = *dur;
      t.tid = *tid;
      if (const llvm::json::Object* args = e->getObject("args")) {
        if (auto s = args->getString("where")) t.where = s->str();
        if (auto s = args->getString("detail")) t.detail = s->str();
        if (auto b = args->getInteger("bytes")) t.bytes = *b;
      }
    }
    events.push_back(std::move(t));
  }
  return events;
}

}  // namespace kiln::test
