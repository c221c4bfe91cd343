// ismooth models: the shipped models (include/ismooth/network/default_model.hpp's
// registry), one block each: name, preset, file and size (or "not shipped
// yet"), training summary, model card. `--model NAME` takes these names.
#include <cstdio>
#include <filesystem>

#include "cli/commands.hpp"
#include "ismooth/network/default_model.hpp"

namespace ismooth::cli {

void add_models_command(CLI::App& app, Action& action) {
  CLI::App* cmd = app.add_subcommand(
      "models", "List the shipped models (`--model NAME` takes their names): preset, file, size, "
                "training summary, model card");
  cmd->callback([&action] {
    action = [] {
      namespace fs = std::filesystem;
      for (const network::ShippedModel& m : network::shipped_models()) {
        std::string file = "not shipped yet";
        if (m.shipped) {
          // A registered model whose file is missing is reported, not fatal:
          // the listing is how one finds out.
          try {
            const fs::path p = network::shipped_model_path(m.name);
            std::error_code ec;
            const auto bytes = fs::file_size(p, ec);
            file = p.string() + " (" + (ec ? std::string("size unknown") : std::to_string(bytes) + " bytes") + ")";
          } catch (const std::exception& e) {
            file = std::string("missing: ") + e.what();
          }
        }
        std::printf("%.*s%s\n", int(m.name.size()), m.name.data(),
                    &m == &network::shipped_models().front() ? " (default)" : "");
        std::printf("  preset:   %.*s\n", int(m.preset.size()), m.preset.data());
        std::printf("  file:     %s\n", file.c_str());
        std::printf("  training: %.*s\n", int(m.summary.size()), m.summary.data());
        std::printf("  card:     %.*s\n", int(m.card.size()), m.card.data());
      }
      return 0;
    };
  });
}

}  // namespace ismooth::cli
