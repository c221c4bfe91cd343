// ismooth edges INPUT --out B.png [--texture] [--response E.png]
//
// Both outputs are checked before any work (extension, folder, neither is
// INPUT nor the other), so an error never leaves one written and not the other.
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/output_paths.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/structure_edges.hpp"
#include "ismooth/texture_map.hpp"

namespace ismooth::cli {

void add_edges_command(CLI::App& app, Action& action) {
  struct Args {
    std::string input, out, response;
    bool texture = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "edges",
      "Write the structure-edge map B (docs/spec/energy.md §8), or with --texture the texture map "
      "(§9), as a 0/255 PNG");
  cmd->add_option("INPUT", args->input, "input image (PNG/JPEG)")->required();
  cmd->add_option("--out,-o", args->out, "output PNG (0 = no edge, 255 = edge)")->required();
  cmd->add_flag("--texture", args->texture, "write the texture map instead of B");
  cmd->add_option("--response", args->response,
                  "also write the edge response E (0–255, clamped) to this PNG");
  cmd->callback([args, &action] {
    action = [args] {
      (void)detail::format_of(args->out, false);  // the edge map: PNG only (save_mask)
      if (!args->response.empty()) (void)detail::format_of(args->response, true);
      check_outputs({{"--out", args->out}, {"--response", args->response}},
                    {{"INPUT", args->input}});
      const Image<float> input = load_image(args->input);
      const Plane<float> e = edge_response(input);
      const Mask map = args->texture ? texture_map(input, e) : structure_edges(e);
      save_mask(map, args->out);
      if (!args->response.empty()) save_plane(e, args->response);
      std::size_t count = 0;
      for (auto v : map) count += v;
      std::printf("%s: %zu of %zu pixels (%.2f%%) -> %s\n",
                  args->texture ? "texture" : "structure edges", count, map.size(),
                  100.0 * double(count) / double(map.size()), args->out.c_str());
      return 0;
    };
  });
}

}  // namespace ismooth::cli
