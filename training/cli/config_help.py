"""What each hyperparameter flag of ``python -m training train`` and ``explore`` does and what
it costs, for ``--help`` (the flags themselves are generated from ``TrainConfig``)."""

# 2-core CPU figures from the default's model card.
HYPERPARAMETER_HELP = {
    "bigram_buckets": "hashed word-pair embeddings added to the word embeddings (0 = off); costs"
    " buckets x embedding-dim x 4 bytes in the bundle (50,000 x 64: 12.8 MB) and almost no"
    " serving time",
    "subwords": "learn each word's vector as its own row plus the mean of its character 3-5-grams'"
    " (fastText), so rare and misspelt words share what they have in common; folded into the"
    " word table when training ends, so the bundle and serving are unchanged; training about"
    " 1.5 times as long",
    "pooling": "classify from the last state, the mean, or the mean and max over all steps;"
    " mean_max doubles the classifier's inputs, nothing else",
    "distillation_reviews": "unlabelled reviews scored by an n-gram teacher (--teacher) and"
    " learnt from with its soft labels (0 = off); each 25,000 add about one labelled split's"
    " worth of time per epoch; needs --unlabeled-data",
    "teacher": "the n-gram model fitted on the training rows that labels the distillation reviews"
    " and picks the negation sentences' words: tfidf (the yardstick's TF-IDF 1-2 grams, about"
    " 40 s) or nb (naive-Bayes-scaled 1-3 grams, about 60 s; a point more accurate)",
    "teacher_bundle": "a bundle folder whose scores on the distillation reviews are averaged"
    " with the n-gram teacher's (self-distillation from a model trained before; off when"
    " empty); about 20 s to score 25,000 reviews",
    "negation_sentences": "short synthetic sentences that teach negation (training/fit/augment.py;"
    " 0 = off); seconds of training",
    "review_crops": "crops of 1-3 sentences of the training rows with their review's label"
    " (0 = off): short texts with labels; under a minute per epoch for 20,000",
    "review_crop_smoothing": "pull each crop's target toward 0.5 by this much (0 = the review's"
    " label); costs nothing",
    "review_crop_teacher": "mix the n-gram teacher's score of each crop into its target with this"
    " weight (0 = the review's label alone), so a passage the teacher finds neither positive nor"
    " negative is not taught its review's label; needs the teacher; seconds",
    "everyday_sentences": "complaints, praise and plain statements outside films, written for"
    " training (training/fit/everyday/; 0 = off); seconds",
    "plain_statements": "statements of fact composed from templates, with the target 0.5"
    " (training/fit/everyday/facts.py; 0 = off); seconds",
    "word_dropout": "replace each real token of a training batch by the unknown id with this"
    " probability, drawn afresh every epoch (0 = off), so no few cue words decide a text; costs"
    " nothing",
    "weight_averaging": "validate, keep and export an exponential moving average of the"
    " weights with this momentum (0 = off; 0.999: about the last 1,000 steps; at most one"
    " epoch's steps); costs a few seconds",
    "quantize_embeddings": "store the embedding tables as int8 with a scale per row: a quarter"
    " of the bundle's size; a Cast and a Mul per token in serving",
    "length_calibration": "with --calibrate, let the shift depend on the text's log length,"
    " fitted on the validation reviews and crops of them, so that short texts are not displaced"
    " by what fits long ones (mean_max pooling); seconds",
    "calibrate": "fit a temperature and a shift of the logit on validation (Platt scaling) and"
    " choose the threshold there;"
    " seconds",
    "learning_rate_schedule": "cosine decays the learning rate to 0 over all epochs (tried for"
    " the default: 0.8 point lower validation accuracy); costs nothing",
    "class_weight": "balanced weighs each labelled row by rows / (labels x rows of its label),"
    " so rare labels count as much as common ones; costs nothing",
    "init_from": "a bundle folder (e.g. models/imdb-sentiment) whose embedding, word-pair table"
    " (if any) and recurrent layer start the model, fine-tuned with a new head; its vocabulary is"
    " kept and the training rows' words it lacks are added; the architecture is the bundle's",
    "ensemble": "train this many networks with seeds --seed, --seed + 1, ... and merge them into"
    " one network that many times as wide, whose output is their mean logit (1 = off); the"
    " export is still one fused LSTM; training takes that many times as long, serving about the"
    " square of it in the recurrent layer",
    "recurrent_pretraining_tokens": "pretrain the embedding and recurrent layer as a language"
    " model (next word forward, previous word backward) on this many tokens of unlabelled +"
    " training reviews before fitting (0 = off; training.fit.language_model); about a minute"
    " per million tokens for a BiLSTM of 64 units on 2 cores",
    "embedding_pretraining_epochs": "word2vec epochs on unlabelled + training reviews to start the"
    " embedding (0 = off); about 1 minute for 5 epochs on 72,500 reviews",
}
