"""Replica plumbing: the same update for the same global batch on any number of replicas."""

from __future__ import annotations

import keras
import tensorflow as tf

from keras_redact import distribute


class ReplicaPlumbing:
    """Mixin of a GAN `keras.Model` whose steps run under `tf.distribute`.

    Latents and p_Omega draws are made for the global batch and sliced per replica,
    batch normalisation is synchronised while several replicas trace the step, and the
    data's batches must split evenly, so one step on R replicas gives one replica's update
    for the global batch (docs/scaling.md).
    """

    def check_replica_batches(self, dataset: tf.data.Dataset) -> None:
        """Under several replicas, requires batches of one size that splits evenly.

        The train steps weigh each replica's mean loss by 1 / replicas, which is the
        global mean only when every replica gets as many samples.

        Raises:
            ValueError: If the batch size is not fixed (`drop_remainder=False`) or not a
                multiple of the replica count.
        """
        replicas = self.distribute_strategy.num_replicas_in_sync
        if replicas == 1:
            return
        size = tf.nest.flatten(dataset.element_spec)[0].shape[0]
        if size is None:
            raise ValueError(
                f"Training on {replicas} replicas needs batches of a fixed size that "
                "splits evenly over them; received batches of varying size (batch with "
                "drop_remainder=True, as keras_redact.data.batches does by default)")
        distribute.check_global_batch(size, self.distribute_strategy)

    def replica_shard(self, draw, n):
        """This replica's `n` rows of `draw(n * replicas)`.

        Every replica holds the same seed state, so a plain draw of `n` would give each
        replica the *same* latents. Drawing for the global batch and keeping the replica's
        slice makes the random numbers, and so the update, those of one replica with the
        global batch.
        """
        replicas = self.replicas
        if replicas == 1:
            return draw(n)
        replica = tf.distribute.get_replica_context().replica_id_in_sync_group
        return draw(n * replicas)[replica * n:(replica + 1) * n]

    def prepare_replicas(self):
        """Synchronises batch normalisation across replicas when there are several.

        Called while the train step is traced. With one replica the layers keep the
        local statistics (bit-for-bit the usual result); with several, each BN layer
        computes its mean and variance over the global batch, as one replica would.
        """
        synchronized = self.replicas > 1
        for model in (self.generator, self.discriminator):
            for layer in distribute.walk_layers(model):
                if isinstance(layer, keras.layers.BatchNormalization):
                    layer.synchronized = synchronized

    @property
    def replicas(self) -> int:
        """Replicas in sync under the current `tf.distribute` strategy (1 outside one)."""
        return tf.distribute.get_strategy().num_replicas_in_sync
