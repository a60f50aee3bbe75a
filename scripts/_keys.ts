import ts from 'typescript';
import { globSync } from 'node:fs';
const files = process.argv.slice(2);
const program = ts.createProgram(files, { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, customConditions: ['@tessera/source'] });
const checker = program.getTypeChecker();
for (const f of files) {
  const sf = program.getSourceFile(f)!;
  ts.forEachChild(sf, (node) => {
    if ((ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) && /Options/.test(node.name.text)) {
      const type = checker.getTypeAtLocation(node.name);
      const props = checker.getPropertiesOfType(type).map((p) => p.name);
      console.log(`${f.replace(/.*src\//, '')} ${node.name.text}: ${props.map((p) => `${p}: true`).join(', ')}`);
    }
  });
}
