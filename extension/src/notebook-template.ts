// The notebook "Receptive: New Notebook" starts from: a model, a batch, a summary and one training
// step, in TypeScript cells with the Receptive kernelspec.

export function newNotebookJson(): { cells: { cell_type: "markdown" | "code"; source: string }[] } {
  const md = (source: string) => ({ cell_type: "markdown" as const, source });
  const code = (source: string) => ({ cell_type: "code" as const, source });
  return {
    cells: [
      md(
        "# A new Receptive notebook\n\nTypeScript cells, a PyTorch-shaped tensor engine. Run a cell with Shift+Enter.",
      ),
      code('import { F, nn, optim, randn, randint, summary } from "receptive";'),
      code(
        [
          "const model = new nn.Sequential(",
          "  new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),",
          "  new nn.Flatten(), new nn.Linear(8 * 14 * 14, 10));",
          "summary(model, [1, 1, 28, 28])",
        ].join("\n"),
      ),
      code(
        [
          "const images = randn([16, 1, 28, 28]);",
          "const labels = randint(0, 10, [16]);",
          "const opt = new optim.SGD(model.parameters(), { lr: 0.05 });",
          "opt.zeroGrad();",
          "const loss = F.crossEntropy(model.forward(images), labels);",
          "loss.backward();",
          "opt.step();",
          "loss.item()",
        ].join("\n"),
      ),
      md(
        "Open **Receptive: Open Activation Explorer** to look at `model`'s filters and feature maps on `images`.",
      ),
    ],
  };
}
