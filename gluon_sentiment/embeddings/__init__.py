"""Pretrained word vectors: loading them (:mod:`.sources`) and aligning them to a vocabulary
and a network (:mod:`.align`)."""
from .align import (OOV_POLICIES, EmbeddingMatrix, attach_pretrained, embedding_matrix,
                    rescale_matrix, set_embedding_weights)
from .sources import (WHEEL_NAME, WHEEL_SOURCE, PretrainedVectors, embedding_cache_path,
                      list_glove_sources, load_token_embedding, load_vectors)

__all__ = ['WHEEL_SOURCE', 'WHEEL_NAME', 'OOV_POLICIES', 'PretrainedVectors', 'EmbeddingMatrix',
           'list_glove_sources', 'load_vectors', 'load_token_embedding', 'embedding_matrix',
           'set_embedding_weights', 'attach_pretrained', 'embedding_cache_path', 'rescale_matrix']
