import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import type { SemanticModel } from './semantic-model.schema';
import { loadSemanticModel, semanticCatalog, type SemanticCatalog } from './semantic-model.loader';

/**
 * The semantic model of this deployment, loaded and validated once at boot (an invalid file stops the boot with
 * the offending paths). `version` keys caches: it changes whenever the file changes.
 */
@Injectable()
export class SemanticModelService {
  readonly model: SemanticModel;
  readonly version: string;
  readonly path: string;
  readonly catalog: SemanticCatalog;

  constructor(config: AppConfig) {
    const loaded = loadSemanticModel(config.query.semanticModelPath);
    this.model = loaded.model;
    this.version = loaded.version;
    this.path = loaded.path;
    this.catalog = semanticCatalog(loaded.model);
  }
}
