"""TU graph-classification benchmarks: MUTAG, PROTEINS, NCI1, IMDB-BINARY, ENZYMES.

Two on-disk formats are read, chosen with ``format=``:

``"tu"`` -- the raw TU Dortmund format (Morris et al., "TUDataset: A collection of benchmark
  datasets for learning with graphs", ICML GRL+ workshop 2020; https://chrsmrrs.github.io/datasets/,
  archive ``https://www.chrsmrrs.com/graphkerneldatasets/<NAME>.zip``). Files under
  ``tu/<NAME>/``: ``<NAME>_A.txt`` (one ``row, col`` line per directed edge, 1-based global node
  ids), ``_graph_indicator.txt`` (graph id of each node, 1-based), ``_graph_labels.txt``,
  ``_node_labels.txt`` and the optional ``_node_attributes.txt`` / ``_edge_labels.txt``.
  IMDB-BINARY ships as ``tu/IMDB-BINARY.zip`` whose members ``IMDB-BINARY/IMDB-BINARY_*.txt``
  are read from the archive without extracting. The copies used here come from
  sunfanyunn/InfoGraph @ 1f286d5 (MUTAG, NCI1, IMDB-BINARY.zip) and
  XuelinHu/Matrix-ResGNN-GraphClassificatio @ d932440 (PROTEINS), byte-identical to the TU files.

``"gin"`` -- the GIN/DGCNN text format (Zhang et al., "An End-to-End Deep Learning Architecture
  for Graph Classification", AAAI 2018; Xu et al., "How Powerful are Graph Neural Networks?",
  ICLR 2019), from muhanzhang/pytorch_DGCNN: ``tu_gin/<NAME>/<NAME>.txt`` holds the number of
  graphs on its first line, then per graph a line ``n label`` followed by ``n`` node lines
  ``tag k nbr_1 ... nbr_k [attr_1 ... attr_d]`` (0-based neighbours within the graph), and
  ``tu_gin/<NAME>/10fold_idx/{train,test}_idx-<k>.txt`` (k = 1..10) hold 0-based graph indices
  of the 10 cross-validation folds used by GIN/DGCNN. ``<NAME>`` is ``IMDBBINARY`` there.

Dataset statistics (both formats agree; literature: Morris et al. 2020, Xu et al. 2019):
MUTAG 188 graphs / 2 classes / 17.93 nodes per graph; PROTEINS 1113 / 2 / 39.06;
NCI1 4110 / 2 / 29.87; IMDB-BINARY 1000 / 2 / 19.77; ENZYMES 600 / 6 / 32.63 (GIN format only).

Conventions of the returned :class:`~jaxgraph.data.core.GraphDataset`:

* ``graphs``: one single-graph ``GraphsTuple`` per graph, in file order. Edges are undirected:
  every file edge ``(u, v)`` yields both ``u -> v`` and ``v -> u``, duplicates are merged (the
  raw IMDB-BINARY ``_A.txt`` lists every directed edge twice: 386,124 lines, 193,062 distinct
  directed edges, which is what GIN's networkx graphs and PyG's ``TUDataset`` keep) and the
  edges are sorted by ``(sender, receiver)``.
* ``nodes``: float32 ``[n, F]``: one-hot node label (``"tu"``) or node tag (``"gin"``) over the
  sorted distinct values seen in the whole dataset (``extras["node_label_values"]``; GIN builds
  the same vocabulary in first-seen order, i.e. the columns are a permutation of GIN's), followed
  by the node attributes when the data has them (PROTEINS ``_node_attributes.txt``: 1 column; a
  GIN-format node line with trailing values). The GIN-format tags are an arbitrary relabelling of
  the TU node labels (MUTAG: different ids for the same atoms), so features of the two formats
  are not interchangeable.
* IMDB-BINARY has no node labels: as GIN (``degree_as_tag``) the node tag is the node degree
  (number of distinct neighbours), one-hot over the sorted distinct degrees of the whole dataset
  (65 columns). ``degree_as_tag=True/False`` overrides this for any dataset (with ``False`` and no
  labels, ``nodes`` is a single column of ones).
* ``edges``: one-hot TU edge label ``[E, L]`` float32 over its sorted distinct values
  (``extras["edge_label_values"]``) where ``_edge_labels.txt`` exists (MUTAG: 0 aromatic,
  1 single, 2 double, 3 triple), else ``None``.
* ``labels``: ``[G]`` int32 in ``0..C-1``: the sorted distinct file labels mapped to their rank
  (``extras["label_values"]`` holds the original values). MUTAG ``-1 -> 0, 1 -> 1`` (GIN file:
  ``0 -> 0, 2 -> 1``); PROTEINS ``1 -> 0, 2 -> 1`` (GIN: ``0, 1``); NCI1 and IMDB-BINARY
  ``0, 1`` unchanged; ENZYMES ``0..5`` unchanged.
* ``folds``: the 10 GIN folds ``{"train", "test"}`` (int32 index arrays) for ``"gin"``; for
  ``"tu"`` only when the GIN file lists the same graphs in the same order (checked by comparing
  every graph's node count and label); this holds for PROTEINS, NCI1 and IMDB-BINARY but not for
  MUTAG (the DGCNN copy orders the graphs differently), whose ``"tu"`` folds are ``[]`` (reason in
  ``extras["folds_note"]``). In each fold train and test partition all graphs; the ten test sets
  are disjoint but, where ``G`` is not a multiple of 10, leave ``G mod 10`` graphs out of every
  test set (MUTAG 8, PROTEINS 3), as in the original files.

Malformed files (wrong column counts, unparsable numbers, node ids out of range, edges between
graphs, line counts that do not match, truncated GIN files, bad folds) raise ``ValueError`` naming
the file and line (see :func:`~jaxgraph.data.core.malformed`).
"""
from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import numpy as np

from jaxgraph.data.core import DatasetNotFoundError, GraphDataset, find_file, malformed, register
from jaxgraph.graph.build import from_edge_list

__all__ = ["load_tu"]

_INFOGRAPH = "https://raw.githubusercontent.com/sunfanyunn/InfoGraph/1f286d5cc48c1ea142dd6fa9d9ef5a449a09cf08/data/"
_MATRIX_RESGNN = (
    "https://raw.githubusercontent.com/XuelinHu/Matrix-ResGNN-GraphClassificatio/"
    "d932440ad7f393a1c5a8fc53592222c2ee9309e1/data/TUDataset/"
)
_DGCNN = "https://raw.githubusercontent.com/muhanzhang/pytorch_DGCNN/50f504131ca66382f3f078ae98e59aa3ae35b795/data/"

# sha256 of the files as published at the URLs above (= the copies in shared/data).
_SHA256 = {
    "tu/MUTAG/MUTAG_A.txt": "d9656ca7493f3445d737c711710bb36fd432dddd1c0ea32e1d4713c86ebd28e2",
    "tu/MUTAG/MUTAG_edge_labels.txt": "4669ce755075ff86c3240709345745886400908fa637a49310459b9c267b3e56",
    "tu/MUTAG/MUTAG_graph_indicator.txt": "7d520a4d6c7961c0cdeabe076d8fe27e795b6d373485c9a2b744987e560a2056",
    "tu/MUTAG/MUTAG_graph_labels.txt": "a1518ea39ba3426bd42f57396b9c4baffe68e9adc718caeeab0119c6591a5f2c",
    "tu/MUTAG/MUTAG_node_labels.txt": "678f429965490e84dd27713017538c995fc05d1621beac910848b600015ee863",
    "tu/NCI1/NCI1_A.txt": "2c028eda59a5fe96e2265a63d9ac236901bd9a7dc658498be13cd704a703076d",
    "tu/NCI1/NCI1_graph_indicator.txt": "ffe5acfa754b057d5ce0dc725c5aadb631628161886cc040d38c719635257dc5",
    "tu/NCI1/NCI1_graph_labels.txt": "fae44681e70113f496256ae87eaac33b7836e3a97fe8e023933b84fde6a5c8a2",
    "tu/NCI1/NCI1_node_labels.txt": "dc0a22b6cbff0c939de00373e823977ba32b358f560e4288d7602f7b51407ee2",
    "tu/PROTEINS/PROTEINS_A.txt": "4c4b33e272fc95cac6d27ed6d5d12b9a852c8610e91fff59f8f0dbdd5a20df67",
    "tu/PROTEINS/PROTEINS_graph_indicator.txt": "8d4ff1e852a5c28561e9bffb44cf9490bc552b13a3b6156dd12dc7f44e9afc4a",
    "tu/PROTEINS/PROTEINS_graph_labels.txt": "c0ef9810c440775252872318d0c8adc385588e14bc4c47a2c34aa96ee3c7cdcd",
    "tu/PROTEINS/PROTEINS_node_attributes.txt": "54eef829abb37e458a5fbf3a3c581e48e5810e220463c2cd951856b9ceb08f07",
    "tu/PROTEINS/PROTEINS_node_labels.txt": "f758e8ad3d6e3c026b50833d75f6f90735b94eb3345e4243707f495ca8afea8d",
    "tu/IMDB-BINARY.zip": "3a0b85c87f7fdfbde624ef943e75fddd22fc3a4e6001bb9a07eaa64a997e520e",
    "tu_gin/ENZYMES/ENZYMES.txt": "04e048844018a0f9c87afdc0d69031c4b625bb97d40320b9dbd76acc663f41a6",
    "tu_gin/IMDBBINARY/IMDBBINARY.txt": "1068c698677c07c04f3ad56fc4a175cb2161523c840abfdaf50e101ecc30504f",
    "tu_gin/MUTAG/MUTAG.txt": "5897dae243f6c773aab54ec99e86551c3b1e8601acef254714073042c632d30e",
    "tu_gin/NCI1/NCI1.txt": "415d2e0861484c2baef1e40ee3ca62dd13c06d6b99549fb25774f43533e9321d",
    "tu_gin/PROTEINS/PROTEINS.txt": "ed0730f9bf9da68aa6a8c80f2f2b6ecea5d05791ca254c709f3efab3b45d937b",
    "tu_gin/ENZYMES/10fold_idx/test_idx-1.txt": "2f1b026dfd285a473d7d9c0bc52781fcac5b651ebd4f1c11754a1f82ebe0f491",
    "tu_gin/ENZYMES/10fold_idx/test_idx-2.txt": "ecf90d492f49907577445a8f8683a962b4ca0fed0048e9ca09abeec71b5dd13b",
    "tu_gin/ENZYMES/10fold_idx/test_idx-3.txt": "94d40cea59dd2c259b367022a6b89a912e96be90e08113b2d4bf1768eef3a3e3",
    "tu_gin/ENZYMES/10fold_idx/test_idx-4.txt": "918a4d56648ea3472d016c23242f5311329f7388cf925d925b87545047d25a65",
    "tu_gin/ENZYMES/10fold_idx/test_idx-5.txt": "da21355a2770ce8869de6f0bd4c142e2ba7d0f1dd8b63566217e233f1ec4af52",
    "tu_gin/ENZYMES/10fold_idx/test_idx-6.txt": "b6d478ca787bf46737dfa853e1ef1d6b1482c8fe6dae64c351af0b0a3dbe5286",
    "tu_gin/ENZYMES/10fold_idx/test_idx-7.txt": "ec587e4edc8f003feb686a838ae8d4533e5787bf0a54450950387f6ccb1f0b25",
    "tu_gin/ENZYMES/10fold_idx/test_idx-8.txt": "19d7a36d62ae796f6b9f765f439b1ed85ac47d10e6f405c2dfd7701a38707f2a",
    "tu_gin/ENZYMES/10fold_idx/test_idx-9.txt": "ebd4d3f092410252c726b17747a419465ada26353307215b20d8c380dc848b3a",
    "tu_gin/ENZYMES/10fold_idx/test_idx-10.txt": "b4197340673e323b0d2324188bbaae08dbe500b262c6300d22159641d34b862d",
    "tu_gin/ENZYMES/10fold_idx/train_idx-1.txt": "b6053a528a870d61da5c60ecb4869407762afd5b30d494b0da666618873a80e2",
    "tu_gin/ENZYMES/10fold_idx/train_idx-2.txt": "c4c34967aa68273ff5c18bf1418f4d71bdc8c20f97ec397c8d5a76ae96e4b6ed",
    "tu_gin/ENZYMES/10fold_idx/train_idx-3.txt": "a413b4debc6a3f725f3770b589d0c8855f0ee204373148ab20d133cab4cb5c2b",
    "tu_gin/ENZYMES/10fold_idx/train_idx-4.txt": "da84dd4ef3e87248a6d3bab6a66176727c068c6411d154ca40992618a76293f5",
    "tu_gin/ENZYMES/10fold_idx/train_idx-5.txt": "0a213f57761cc4d6d73da5278c4d96a65aa365ff15c8ca1756d3790b995fa63c",
    "tu_gin/ENZYMES/10fold_idx/train_idx-6.txt": "508b89efa78e952ec16527d93546e98ecd2493dc1c91044a4bd1c02ceac333cf",
    "tu_gin/ENZYMES/10fold_idx/train_idx-7.txt": "047cbe8011ac6619ff5dd3b03eceea31600a56643870c44999425c9fab9d86bb",
    "tu_gin/ENZYMES/10fold_idx/train_idx-8.txt": "20f9a7031683660ff6ee5605782bb4d234ea2cb0c91d4408d0fd9c9b2cc180e3",
    "tu_gin/ENZYMES/10fold_idx/train_idx-9.txt": "5f5bc979d0c7493b30dd689060487886537737f0c4543be1e206aef34573eb5f",
    "tu_gin/ENZYMES/10fold_idx/train_idx-10.txt": "b756f8876d6ccb0fd98246b6dece1b64a172219ea22a89c036faabdd9d4cd3f6",
    "tu_gin/IMDBBINARY/10fold_idx/test_idx-1.txt": "0c608b497f93881a54ef04786a5239af86c1989130a7bb9201693c8760414c86",
    "tu_gin/IMDBBINARY/10fold_idx/test_idx-2.txt": "a1d71bce61e390604a46fef70a4b3b19ef3ca80ccda3061d2708c55be71ccc93",
    "tu_gin/IMDBBINARY/10fold_idx/test_idx-3.txt": "e26189e39e2642552c61a4857308f5cacb895f13b2e68eb7fe9e20b9fd789729",
    "tu_gin/IMDBBINARY/10fold_idx/test_idx-4.txt": "43b0282e3c3ab606702cd817d86b8623965b016b2bca587f934e62df92318015",
    "tu_gin/IMDBBINARY/10fold_idx/test_idx-5.txt": "a4902e21539ff4ac6e66aa8cfd8907147dd765336ee2083ef8131cabee3ac1dc",
    "tu_gin/IMDBBINARY/10fold_idx/test_idx-6.txt": "6abaa9eca41b26f5fab3382242b26d3e6a8f8e720083456d00633fe62a57cd4d",
    "tu_gin/IMDBBINARY/10fold_idx/test_idx-7.txt": "cfe61c0d986b86ed01ca6dad850bb999e5d0098aec978fc36b19f8396e65e694",
    "tu_gin/IMDBBINARY/10fold_idx/test_idx-8.txt": "048f900449aa3e3732feb493a8d6130d4f879fb4440c378d08fe19d7e1af3394",
    "tu_gin/IMDBBINARY/10fold_idx/test_idx-9.txt": "73a67d1f3da3143c0f687cc143b584cf46b2708059d1ab87996f4a4fb37fe202",
    "tu_gin/IMDBBINARY/10fold_idx/test_idx-10.txt": "ee64162e19c034d54e013698f7ae63d31567b1afd8207f54a89621d994f1d6b0",
    "tu_gin/IMDBBINARY/10fold_idx/train_idx-1.txt": "658f4dced498fcd4199c106c6d220d930f68faf12cb12c0aa59c12d4f8bdadf7",
    "tu_gin/IMDBBINARY/10fold_idx/train_idx-2.txt": "c867934d10a72c07af5d4d3cccda154bdc2b025ce47c44b4e6ffce9b93df848c",
    "tu_gin/IMDBBINARY/10fold_idx/train_idx-3.txt": "b698cd8e57172ef76386cab48860429355ca22a274cd34586b816e6b82d9eec3",
    "tu_gin/IMDBBINARY/10fold_idx/train_idx-4.txt": "a08c2f2235997cdceed58df2938e7e2e7b73e262be15d6416dc840a689ff79f0",
    "tu_gin/IMDBBINARY/10fold_idx/train_idx-5.txt": "19878731261b9c109e7eed68b4244065b5e38503a900961bb49396426c8fd3ae",
    "tu_gin/IMDBBINARY/10fold_idx/train_idx-6.txt": "62ab7706f1a2c2406ef7ecaac99601ce1848326b5610546896d6a71a7a393f50",
    "tu_gin/IMDBBINARY/10fold_idx/train_idx-7.txt": "4507c081570dcc3fe16b3c79ac38e21564bc51719447cf2805bdf06d05e1c48d",
    "tu_gin/IMDBBINARY/10fold_idx/train_idx-8.txt": "0a9ead201dd5635eb0be9130d060cd944e59500c7f0c2c6541384ffbe883f564",
    "tu_gin/IMDBBINARY/10fold_idx/train_idx-9.txt": "b8fa766d7e96a135c84a77cd2e23d84b0cc94ddf6bf742a9ee48c851496c408e",
    "tu_gin/IMDBBINARY/10fold_idx/train_idx-10.txt": "6a35bea0e548cbdb60b56409176329a7f362b7ead3fc5fd1356fddf7de4e19f1",
    "tu_gin/MUTAG/10fold_idx/test_idx-1.txt": "52a082efad97dbff2220023632ef36009025489cad04ee40d027758cdc2525c4",
    "tu_gin/MUTAG/10fold_idx/test_idx-2.txt": "356bc8b8d00c2da11596ac0589981fcefec6cc2a888c015d9e35f17001e16b20",
    "tu_gin/MUTAG/10fold_idx/test_idx-3.txt": "f485c4e7341e78d08a8450e61861c53406ef7beb86ae2dac16062cf8214eb448",
    "tu_gin/MUTAG/10fold_idx/test_idx-4.txt": "7b8db256fafc179a2bd3c4a7114f0ae3905dd13fb318f34f3281a5a5066161c0",
    "tu_gin/MUTAG/10fold_idx/test_idx-5.txt": "992858c1122d9f9e99c4fe975742632bbcc4dc9cc651c6513c4accf526fbb4b7",
    "tu_gin/MUTAG/10fold_idx/test_idx-6.txt": "eaf2e57b545766e558dd393ee428ac1561bcc07a42908eb8644835ccb4bc3062",
    "tu_gin/MUTAG/10fold_idx/test_idx-7.txt": "eda25cebd772a6935d4b780a4f58d8aa947df43c14463a6ed0aeb2e555462f5c",
    "tu_gin/MUTAG/10fold_idx/test_idx-8.txt": "9da7a48b329f17c16bc15939bafb14bababde6d948aff83583e32cdb1dc2c4d6",
    "tu_gin/MUTAG/10fold_idx/test_idx-9.txt": "274119935ba895fa3d8829a463243800c1982704f9f179bb4ef290af1019c092",
    "tu_gin/MUTAG/10fold_idx/test_idx-10.txt": "adaf574e4804a4c6849a8213121b1a18bd45101a1ca2e83e90b2c0917abee5df",
    "tu_gin/MUTAG/10fold_idx/train_idx-1.txt": "da633d26f446935bda6f5a39f9514bccd61dcec6b075db144b57a8c69af2fd37",
    "tu_gin/MUTAG/10fold_idx/train_idx-2.txt": "0861615be75fa68daa74bfe69e57d495cc9859e80de2756636f86211c08a3aff",
    "tu_gin/MUTAG/10fold_idx/train_idx-3.txt": "cb3b2b32f16fcfc99e79cbdae4e6360a0d460defc2f780893fbf7396c874f2bd",
    "tu_gin/MUTAG/10fold_idx/train_idx-4.txt": "ad01c53fbf91eca446ac3e5d7e8ad29691740c145bed9012214de164b7a02724",
    "tu_gin/MUTAG/10fold_idx/train_idx-5.txt": "ab40dbb568a93e39bebf8fa89277819b6f38a661803eb8a11532e456e92de171",
    "tu_gin/MUTAG/10fold_idx/train_idx-6.txt": "d1ac82ffa71e308f7f51d6d3c85b55416bab8d6f7b17924789df47b4cc49b50b",
    "tu_gin/MUTAG/10fold_idx/train_idx-7.txt": "3953aaa0e6014c89da6b9129814dd51878ea56cac4ae289bde237b3b6995ef97",
    "tu_gin/MUTAG/10fold_idx/train_idx-8.txt": "b618772fdadd92036433124b1be6557bceaa5e489ab5f6638861c741f601ba7b",
    "tu_gin/MUTAG/10fold_idx/train_idx-9.txt": "fc6ed9cdf7e589ed9a1e397c5d28b56d396c2f7e38bbe7c713202becd883c5e8",
    "tu_gin/MUTAG/10fold_idx/train_idx-10.txt": "faf1898c1e11d8fa82737f63d3b52f801ec1a1c1001d450cc29ec1fa74719fe6",
    "tu_gin/NCI1/10fold_idx/test_idx-1.txt": "69ba41507198321186a9698c5e259015ecb827b523404e1cd9b52fecd3315cfe",
    "tu_gin/NCI1/10fold_idx/test_idx-2.txt": "c90d73b4da1ac591ab4c0928b629d24b08d81f39ce3301f294cb5b21821b73b8",
    "tu_gin/NCI1/10fold_idx/test_idx-3.txt": "c30ab61114a58f700da36f2462090bf5d445df9b8bb7e3eb0337a832e4f3956e",
    "tu_gin/NCI1/10fold_idx/test_idx-4.txt": "b440e3d772724d6d5944edbd77464c12b167f781420cdd63de5160b1e8e864b4",
    "tu_gin/NCI1/10fold_idx/test_idx-5.txt": "32914d0ce569e1adef34e876fff00af160b7ed57336bc9a935ae515ba1043c71",
    "tu_gin/NCI1/10fold_idx/test_idx-6.txt": "88a00599d2e9420adefa8336d0f0faa6b2cb32a1466e35d5744e54ed270c00db",
    "tu_gin/NCI1/10fold_idx/test_idx-7.txt": "1726d3cb29343c56e645b6fe58642e604b6d3db52544f05da3049e4669bbef19",
    "tu_gin/NCI1/10fold_idx/test_idx-8.txt": "b7f1b92f5976476c06a16f632b0cb715816a87bb6b3ae218dbdd2e198881f260",
    "tu_gin/NCI1/10fold_idx/test_idx-9.txt": "5be6bdb3897e7c3cc678708a1e7df6acb90c1fc2972c20a44cdc544fd7b26de7",
    "tu_gin/NCI1/10fold_idx/test_idx-10.txt": "b714e73b9f04cb36130247447943f7109243095ac1a29dc684cbd245e2f774b4",
    "tu_gin/NCI1/10fold_idx/train_idx-1.txt": "6b8bdd4579d07e41df434e03bff757ee6f1e55fbc67afbf96f99772b0d998557",
    "tu_gin/NCI1/10fold_idx/train_idx-2.txt": "f35a7125b7f3061b27193d00adc8a77cc73000fe956167d46edbb0afad06ccf5",
    "tu_gin/NCI1/10fold_idx/train_idx-3.txt": "105dcdb0ec45e0adc233ba21378c819992070e051b000a048fcff9f103c83154",
    "tu_gin/NCI1/10fold_idx/train_idx-4.txt": "9eb52148913fc3ce500a0fccef00a926c942c59ae028dd66e007c58adeda8834",
    "tu_gin/NCI1/10fold_idx/train_idx-5.txt": "6bc5fdc509f96e11cd63dfba0153fbadbfa013c689855f20eb9cddae6f6fa37a",
    "tu_gin/NCI1/10fold_idx/train_idx-6.txt": "958a85e985824950b7245916ff794fbc83eac10209293869ca86564caefc3eac",
    "tu_gin/NCI1/10fold_idx/train_idx-7.txt": "1a8fa9aac80026a4681724d71259e18f35f5d995207ee0d481167ec4c6d8c03d",
    "tu_gin/NCI1/10fold_idx/train_idx-8.txt": "e656b3c7c351a6640b3e8ab80eb23590aeeb7a7746d199a5769c2474e5dbf88b",
    "tu_gin/NCI1/10fold_idx/train_idx-9.txt": "4b3382143c6e3530d96039d24a363ef282c9983908ca86a8dc4800d9f1e964ee",
    "tu_gin/NCI1/10fold_idx/train_idx-10.txt": "fb7d95794b9c2d6b8f0a1419a67c63e43c46d5617f83a2893052246eb4fcd96a",
    "tu_gin/PROTEINS/10fold_idx/test_idx-1.txt": "41c02c84ef8cba8a781b32f51c6622c2a5ea6c6911a3c3232a4707b8c1bf0ec9",
    "tu_gin/PROTEINS/10fold_idx/test_idx-2.txt": "d2886161063807351509512948351a5ecaa549fb7074ce89c42b72ad7d5db035",
    "tu_gin/PROTEINS/10fold_idx/test_idx-3.txt": "3c85ff214e3d208396e706281304e5eee5ddb7f95ac3a10e37785c68a564c979",
    "tu_gin/PROTEINS/10fold_idx/test_idx-4.txt": "f0e6908b9b56aa830da2588c5617a427e66c60e6477fef56c17b41b52f9f4e8c",
    "tu_gin/PROTEINS/10fold_idx/test_idx-5.txt": "80661f7ae120fddfaed17bdd9a73195f3fadbd6849b8534662aeb2b7b86efe32",
    "tu_gin/PROTEINS/10fold_idx/test_idx-6.txt": "3a2be0743b8148b37dcfe627f364e97da595b4efc50424ec295ee572be3d85cd",
    "tu_gin/PROTEINS/10fold_idx/test_idx-7.txt": "b1006f84c83fa23249d3d7dfe97ca82d341fb8051c322934665164364403312f",
    "tu_gin/PROTEINS/10fold_idx/test_idx-8.txt": "098735673ba5d542e6b96e026015455f27b9e2deeed765b1b4a977fd8f95bcef",
    "tu_gin/PROTEINS/10fold_idx/test_idx-9.txt": "376c4d7ca5df6d72d5bfe7afe37b7004dd94ff828842ebedfd1080012e36cce7",
    "tu_gin/PROTEINS/10fold_idx/test_idx-10.txt": "b274252b1e25f07be0b20171b15e7c813c06cb8060bd1a0b1898d86fb748a8c2",
    "tu_gin/PROTEINS/10fold_idx/train_idx-1.txt": "c5c6f1acc9c51c6c5feb972b4612056ef6cdad2527d3819e35c423bf51e43fdf",
    "tu_gin/PROTEINS/10fold_idx/train_idx-2.txt": "8c280383e1fe74da5ccbc987fec9fc561b4e13b86c4a4c06215447539b024986",
    "tu_gin/PROTEINS/10fold_idx/train_idx-3.txt": "cf04b76b37f51076e105fd57d56a421cabcad3b4e6984fa775b859964e046ead",
    "tu_gin/PROTEINS/10fold_idx/train_idx-4.txt": "aee2276c086a8cd90ed2ba58b12c371d7e7bfd6833a0f2d6dcfe16722d8b01d4",
    "tu_gin/PROTEINS/10fold_idx/train_idx-5.txt": "42f76451ed8a73181d83eef1a7b94f0b40a1130144f6568330a29fa5b061bb4b",
    "tu_gin/PROTEINS/10fold_idx/train_idx-6.txt": "910178e3128a821ee4ffe9ae159e4ad3ba8b467c23f066e57cd5186e667dd724",
    "tu_gin/PROTEINS/10fold_idx/train_idx-7.txt": "d0bdc850d13dd7056544d230866d716c9e6a68b02ac20fa67508b25f5e63383e",
    "tu_gin/PROTEINS/10fold_idx/train_idx-8.txt": "e35f43f477d509ffd7c7b392e9db2ba4d899c3f5a9de358cf95cea69690cc285",
    "tu_gin/PROTEINS/10fold_idx/train_idx-9.txt": "791d579eed34a2fec0a307e2cb6a97d9611cd89bf47ee23114ff1c2e819ea8ee",
    "tu_gin/PROTEINS/10fold_idx/train_idx-10.txt": "3852bb5a7043a131ab01a83f9776ff598a75bee60f392f2696b579214bad1c35",
}


@dataclasses.dataclass(frozen=True)
class _Spec:
    name: str  # TU name
    gin_name: str  # folder / file name in the GIN/DGCNN layout
    tu_files: tuple | None  # raw TU file suffixes available (None: no raw TU copy)
    tu_zip: bool = False
    degree_as_tag: bool = False


_SPECS = {
    "mutag": _Spec("MUTAG", "MUTAG", ("A", "graph_indicator", "graph_labels", "node_labels", "edge_labels")),
    "proteins": _Spec(
        "PROTEINS", "PROTEINS", ("A", "graph_indicator", "graph_labels", "node_labels", "node_attributes")
    ),
    "nci1": _Spec("NCI1", "NCI1", ("A", "graph_indicator", "graph_labels", "node_labels")),
    "imdb-binary": _Spec(
        "IMDB-BINARY", "IMDBBINARY", ("A", "graph_indicator", "graph_labels"), tu_zip=True, degree_as_tag=True
    ),
    "enzymes": _Spec("ENZYMES", "ENZYMES", None),
}


def _url(relpath: str) -> str:
    if relpath.startswith("tu_gin/"):
        return _DGCNN + relpath[len("tu_gin/"):]
    if relpath.startswith("tu/PROTEINS/"):
        return _MATRIX_RESGNN + "PROTEINS/raw/" + relpath[len("tu/PROTEINS/"):]
    return _INFOGRAPH + relpath[len("tu/"):]


def _find(relpath: str, root) -> Path:
    return find_file(relpath, root, url=_url(relpath), sha256=_SHA256.get(relpath))


# ----------------------------------------------------------------------------- text parsing
def _lines(text: str) -> list[str]:
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _table(label, text: str, ncols: int | None, dtype) -> np.ndarray:
    """Parses comma-separated lines into ``[L, ncols]`` (``ncols=None``: fixed by the first line)."""
    lines = _lines(text)
    flat: list[str] = []
    for i, ln in enumerate(lines):
        parts = ln.split(",")
        if ncols is None:
            ncols = len(parts)
        if len(parts) != ncols:
            raise malformed(label, i + 1, f"expected {ncols} comma-separated value(s), got {len(parts)}: {ln!r}")
        flat.extend(parts)
    kind = "integer" if dtype is np.int64 else "number"
    try:
        arr = np.array(flat, dtype=dtype)
    except (ValueError, OverflowError):
        conv = int if dtype is np.int64 else float
        for k, tok in enumerate(flat):
            try:
                conv(tok)
            except (ValueError, OverflowError):
                raise malformed(label, k // ncols + 1, f"cannot parse {kind} {tok.strip()!r}") from None
        raise
    if dtype is not np.int64 and arr.size and not np.isfinite(arr).all():
        k = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise malformed(label, k // ncols + 1, f"non-finite value {flat[k].strip()!r}")
    return arr.reshape(len(lines), ncols or 0)


def _rank(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and each entry's index among them."""
    vocab, idx = np.unique(values, return_inverse=True)
    return vocab, idx.reshape(-1)


def _one_hot(idx: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros((len(idx), k), np.float32)
    out[np.arange(len(idx)), idx] = 1.0
    return out


# ----------------------------------------------------------------------------- graph assembly
def _assemble(n_node, src, dst, node_tags, node_attrs, edge_labels, degree_as_tag, dup_error):
    """Symmetrises, deduplicates and sorts global edges; builds per-graph GraphsTuples.

    ``src``/``dst`` are 0-based global node ids of nodes that are contiguous per graph.
    ``dup_error(i, j)`` is called with the indices of two input edges that are copies of the
    same undirected edge with different labels and must return the exception to raise.
    Returns ``(graphs, extras)``.
    """
    n_total = int(n_node.sum())
    m = len(src)
    s = np.concatenate([src, dst]).astype(np.int64)
    r = np.concatenate([dst, src]).astype(np.int64)
    key = s * max(n_total, 1) + r
    uniq, first, inv = np.unique(key, return_index=True, return_inverse=True)
    inv = inv.reshape(-1)
    s_u, r_u = uniq // max(n_total, 1), uniq % max(n_total, 1)
    extras = {}
    edges = None
    if edge_labels is not None:
        el = np.concatenate([edge_labels, edge_labels])
        kept = el[first]
        bad = np.flatnonzero(el != kept[inv])
        if bad.size:
            i = int(bad[0])
            raise dup_error(i % m, int(first[inv[i]]) % m)
        vocab, idx = _rank(kept)
        edges = _one_hot(idx, len(vocab))
        extras["edge_label_values"] = vocab
    degree = np.bincount(s_u, minlength=n_total)
    if degree_as_tag:
        node_tags = degree
    cols = []
    if node_tags is not None:
        vocab, idx = _rank(node_tags)
        cols.append(_one_hot(idx, len(vocab)))
        extras["degree_values" if degree_as_tag else "node_label_values"] = vocab
    if node_attrs is not None and node_attrs.shape[1]:
        cols.append(node_attrs.astype(np.float32))
        extras["num_node_attributes"] = int(node_attrs.shape[1])
    if not cols:
        cols.append(np.ones((n_total, 1), np.float32))
    x = np.concatenate(cols, axis=1) if len(cols) > 1 else cols[0]
    offsets = np.concatenate([[0], np.cumsum(n_node)])
    e_off = np.searchsorted(s_u, offsets)
    graphs = []
    for g in range(len(n_node)):
        o0, o1, a, b = int(offsets[g]), int(offsets[g + 1]), int(e_off[g]), int(e_off[g + 1])
        graphs.append(
            from_edge_list(
                s_u[a:b] - o0,
                r_u[a:b] - o0,
                o1 - o0,
                node_features=x[o0:o1],
                edge_features=None if edges is None else edges[a:b],
            )
        )
    return graphs, extras


# ----------------------------------------------------------------------------- raw TU format
def _read_tu(spec: _Spec, root, degree_as_tag: bool):
    if spec.tu_zip:
        zpath = _find(f"tu/{spec.name}.zip", root)
        zf = zipfile.ZipFile(zpath)

        def get(suffix):
            member = f"{spec.name}/{spec.name}_{suffix}.txt"
            label = f"{zpath}:{member}"
            try:
                data = zf.read(member)
            except KeyError:
                raise malformed(zpath, None, f"the archive has no member {member!r}") from None
            return label, data.decode("utf-8")

    else:

        def get(suffix):
            p = _find(f"tu/{spec.name}/{spec.name}_{suffix}.txt", root)
            return p, p.read_text()

    files = {suf: get(suf) for suf in spec.tu_files}
    a_lab, a_txt = files["A"]
    gi_lab, gi_txt = files["graph_indicator"]
    gl_lab, gl_txt = files["graph_labels"]
    A = _table(a_lab, a_txt, 2, np.int64)
    gi = _table(gi_lab, gi_txt, 1, np.int64)[:, 0]
    gl = _table(gl_lab, gl_txt, 1, np.int64)[:, 0]
    n, G = len(gi), len(gl)
    if G == 0:
        raise malformed(gl_lab, None, "no graphs")
    bad = np.flatnonzero((gi < 1) | (gi > G))
    if bad.size:
        i = int(bad[0])
        raise malformed(gi_lab, i + 1, f"graph id {int(gi[i])} is outside 1..{G} ({G} graph labels)")
    bad = np.flatnonzero(np.diff(gi) < 0)
    if bad.size:
        i = int(bad[0]) + 1
        raise malformed(gi_lab, i + 1, f"graph id {int(gi[i])} after {int(gi[i - 1])}: nodes must be grouped by graph")
    n_node = np.bincount(gi - 1, minlength=G)
    if (n_node == 0).any():
        g = int(np.flatnonzero(n_node == 0)[0])
        raise malformed(gi_lab, None, f"graph {g + 1} has no nodes ({G} graph labels, graph ids up to {int(gi.max())})")
    bad = np.flatnonzero((A < 1) | (A > n))
    if bad.size:
        k = int(bad[0])
        raise malformed(a_lab, k // 2 + 1, f"node id {int(A.flat[k])} is outside 1..{n} ({n} nodes in graph_indicator)")
    src, dst = A[:, 0] - 1, A[:, 1] - 1
    cross = np.flatnonzero(gi[src] != gi[dst])
    if cross.size:
        e = int(cross[0])
        raise malformed(
            a_lab, e + 1,
            f"edge ({int(A[e, 0])}, {int(A[e, 1])}) joins graph {int(gi[src[e]])} and graph {int(gi[dst[e]])}",
        )

    def column(suffix, rows, what, dtype=np.int64, ncols=1):
        lab, txt = files[suffix]
        arr = _table(lab, txt, ncols, dtype)
        if len(arr) != rows:
            raise malformed(lab, min(len(arr), rows) + 1, f"has {len(arr)} lines but there are {rows} {what}")
        return arr

    node_tags = column("node_labels", n, "nodes")[:, 0] if "node_labels" in files else None
    node_attrs = column("node_attributes", n, "nodes", np.float64, None) if "node_attributes" in files else None
    edge_labels = column("edge_labels", len(A), "edges in _A.txt")[:, 0] if "edge_labels" in files else None

    def dup_error(i, j):
        i, j = sorted((i, j))
        return malformed(
            files["edge_labels"][0], j + 1,
            f"edge ({int(A[j, 0])}, {int(A[j, 1])}) has label {int(edge_labels[j])} but the same undirected "
            f"edge ({int(A[i, 0])}, {int(A[i, 1])}) on line {i + 1} has label {int(edge_labels[i])}",
        )

    graphs, extras = _assemble(n_node, src, dst, node_tags, node_attrs, edge_labels, degree_as_tag, dup_error)
    extras["num_raw_edges"] = int(len(A))
    return graphs, n_node, gl, extras


# ----------------------------------------------------------------------------- GIN format
def _read_gin(spec: _Spec, root, degree_as_tag: bool, header_only: bool = False):
    p = _find(f"tu_gin/{spec.gin_name}/{spec.gin_name}.txt", root)
    lines = _lines(p.read_text())
    if not lines:
        raise malformed(p, 1, "empty file")

    def ints(i, what):
        try:
            return [int(t) for t in lines[i].split()]
        except ValueError:
            raise malformed(p, i + 1, f"cannot parse {what} {lines[i]!r} as integers") from None

    head = ints(0, "graph count")
    if len(head) != 1 or head[0] < 0:
        raise malformed(p, 1, f"expected the number of graphs, got {lines[0]!r}")
    G = head[0]
    n_node = np.zeros(G, np.int64)
    labels = np.zeros(G, np.int64)
    tags, src, dst, attrs = [], [], [], []
    n_attr = None
    i, offset = 1, 0
    for g in range(G):
        if i >= len(lines):
            raise malformed(p, i + 1, f"file ends after {g} of {G} graphs")
        hdr = ints(i, "graph header")
        if len(hdr) != 2 or hdr[0] < 0:
            raise malformed(p, i + 1, f"graph {g}: expected 'num_nodes label', got {lines[i]!r}")
        n, labels[g] = hdr
        n_node[g] = n
        i += 1
        if i + n > len(lines):
            raise malformed(p, len(lines) + 1, f"file ends inside graph {g} ({n} node lines expected)")
        if header_only:
            i += n
            continue
        for j in range(n):
            toks = lines[i].split()
            try:
                if len(toks) < 2:
                    raise malformed(p, i + 1, f"node line needs 'tag k neighbours...', got {lines[i]!r}")
                k = int(toks[1])
                if k < 0 or len(toks) < 2 + k:
                    raise malformed(
                        p, i + 1, f"node {j} of graph {g} declares {k} neighbours but the line has {len(toks) - 2} values"
                    )
                tag = int(toks[0])
                nbrs = [int(t) for t in toks[2:2 + k]]
                extra = [float(t) for t in toks[2 + k:]]
            except ValueError as e:
                if "malformed data file" in str(e):
                    raise
                raise malformed(p, i + 1, f"cannot parse node line {lines[i]!r}: {e}") from None
            if n_attr is None:
                n_attr = len(extra)
            elif len(extra) != n_attr:
                raise malformed(p, i + 1, f"node line has {len(extra)} attribute(s), earlier nodes have {n_attr}")
            if extra and not np.all(np.isfinite(extra)):
                raise malformed(p, i + 1, "non-finite node attribute")
            for v in nbrs:
                if not 0 <= v < n:
                    raise malformed(p, i + 1, f"neighbour {v} of node {j} is outside 0..{n - 1} (graph {g} has {n} nodes)")
            tags.append(tag)
            src.extend([offset + j] * k)
            dst.extend(offset + v for v in nbrs)
            if extra:
                attrs.append(extra)
            i += 1
        offset += n
    if i < len(lines):
        raise malformed(p, i + 1, f"unexpected content after the {G} graphs announced on line 1")
    if header_only:
        return None, n_node, labels, {}
    node_attrs = np.asarray(attrs, np.float64) if attrs else None
    graphs, extras = _assemble(
        n_node, np.asarray(src, np.int64), np.asarray(dst, np.int64), np.asarray(tags, np.int64),
        node_attrs, None, degree_as_tag, None,
    )
    return graphs, n_node, labels, extras


def _read_folds(spec: _Spec, root, G: int) -> list[dict[str, np.ndarray]]:
    folds = []
    for k in range(1, 11):
        fold = {}
        for part in ("train", "test"):
            p = _find(f"tu_gin/{spec.gin_name}/10fold_idx/{part}_idx-{k}.txt", root)
            idx = _table(p, p.read_text(), 1, np.int64)[:, 0]
            bad = np.flatnonzero((idx < 0) | (idx >= G))
            if bad.size:
                raise malformed(p, int(bad[0]) + 1, f"graph index {int(idx[bad[0]])} is outside 0..{G - 1}")
            _, first = np.unique(idx, return_index=True)
            if len(first) != len(idx):
                dup = int(np.setdiff1d(np.arange(len(idx)), first)[0])
                raise malformed(p, dup + 1, f"graph index {int(idx[dup])} listed twice")
            fold[part] = idx.astype(np.int32)
        both = np.intersect1d(fold["train"], fold["test"])
        if both.size or len(fold["train"]) + len(fold["test"]) != G:
            raise malformed(
                p, None,
                f"fold {k}: train ({len(fold['train'])}) and test ({len(fold['test'])}) must partition the {G} graphs"
                + (f"; graph {int(both[0])} is in both" if both.size else ""),
            )
        folds.append(fold)
    return folds


# ----------------------------------------------------------------------------- public loader
def load_tu(name: str, root=None, format: str | None = None, degree_as_tag: bool | None = None,  # noqa: A002
            with_folds: bool = True) -> GraphDataset:
    """Loads a TU graph-classification dataset (see the module docstring for the conventions).

    Args:
      name: ``"mutag"``, ``"proteins"``, ``"nci1"``, ``"imdb-binary"`` or ``"enzymes"``.
      root: data root (default: the roots of :func:`jaxgraph.data.core.data_roots`).
      format: ``"tu"`` (raw TU files; default where they exist) or ``"gin"`` (GIN/DGCNN text
        format; the default for ENZYMES, which has no raw TU copy).
      degree_as_tag: one-hot node degree instead of node labels (default: True for
        IMDB-BINARY only, as GIN does).
      with_folds: read the 10 GIN folds (for ``"tu"`` only attached when the graph orders agree).

    Returns:
      ``GraphDataset`` with ``graphs`` (single-graph GraphsTuples: float32 ``nodes [n, F]``,
      ``edges [E, L]`` one-hot edge labels or None, both edge directions, sorted), ``labels [G]``
      int32 in ``0..num_classes-1``, ``folds`` (10 dicts of int32 ``train``/``test`` indices, or
      ``[]``), ``num_classes`` and ``extras`` (``format``, ``label_values``, ``node_label_values``
      or ``degree_values``, ``edge_label_values``, ``num_node_attributes``, ``folds_note``).

    Raises:
      ValueError: unknown name/format, or a malformed file (naming the file and line).
      DatasetNotFoundError: a file is missing and could not be downloaded.
    """
    key = name.lower().replace("_", "-")
    if key not in _SPECS:
        raise ValueError(f"unknown TU dataset {name!r}; known: {', '.join(_SPECS)}")
    spec = _SPECS[key]
    if format is None:
        format = "tu" if spec.tu_files is not None else "gin"  # noqa: A001
    if format not in ("tu", "gin"):
        raise ValueError(f"format must be 'tu' or 'gin', got {format!r}")
    if format == "tu" and spec.tu_files is None:
        raise ValueError(f"{spec.name} is only available in the GIN/DGCNN format here; use format='gin'")
    if degree_as_tag is None:
        degree_as_tag = spec.degree_as_tag
    if format == "tu":
        graphs, n_node, raw_labels, extras = _read_tu(spec, root, degree_as_tag)
    else:
        graphs, n_node, raw_labels, extras = _read_gin(spec, root, degree_as_tag)
    label_values, labels = _rank(raw_labels)
    folds: list = []
    if with_folds:
        if format == "gin":
            folds = _read_folds(spec, root, len(graphs))
        else:
            try:
                _, g_nn, g_raw, _ = _read_gin(spec, root, False, header_only=True)
            except DatasetNotFoundError as e:
                extras["folds_note"] = f"GIN folds not available: {e}"
            else:
                g_labels = _rank(g_raw)[1]
                if len(g_nn) == len(n_node) and np.array_equal(g_nn, n_node) and np.array_equal(g_labels, labels):
                    folds = _read_folds(spec, root, len(graphs))
                else:
                    extras["folds_note"] = (
                        "the GIN/DGCNN file lists the graphs in a different order (node counts/labels differ), "
                        "so its 10 folds do not apply to the raw TU order; use format='gin' for them"
                    )
    extras.update(format=format, label_values=label_values, degree_as_tag=bool(degree_as_tag))
    return GraphDataset(
        name=spec.name,
        graphs=graphs,
        labels=labels.astype(np.int32),
        folds=folds,
        num_classes=int(len(label_values)),
        extras=extras,
    )


@register("mutag")
def load_mutag(root=None, **kwargs) -> GraphDataset:
    """MUTAG (Debnath et al., J. Med. Chem. 1991): 188 nitro compounds, mutagenic or not (2 classes);
    7 atom-type node labels, 4 bond-type edge labels. See :func:`load_tu`."""
    return load_tu("mutag", root, **kwargs)


@register("proteins")
def load_proteins(root=None, **kwargs) -> GraphDataset:
    """PROTEINS (Borgwardt et al., Bioinformatics 2005; Dobson & Doig 2003): 1113 proteins,
    enzyme or not (2 classes); 3 secondary-structure node labels + 1 node attribute. See :func:`load_tu`."""
    return load_tu("proteins", root, **kwargs)


@register("nci1")
def load_nci1(root=None, **kwargs) -> GraphDataset:
    """NCI1 (Wale, Watson & Karypis, KAIS 2008): 4110 compounds screened against non-small-cell
    lung cancer (2 classes); 37 atom-type node labels. See :func:`load_tu`."""
    return load_tu("nci1", root, **kwargs)


@register("imdb-binary")
def load_imdb_binary(root=None, **kwargs) -> GraphDataset:
    """IMDB-BINARY (Yanardag & Vishwanathan, KDD 2015): 1000 actor ego-networks, Action vs Romance
    (2 classes); no node labels, one-hot degree features as GIN. See :func:`load_tu`."""
    return load_tu("imdb-binary", root, **kwargs)


@register("enzymes")
def load_enzymes(root=None, **kwargs) -> GraphDataset:
    """ENZYMES (Borgwardt et al. 2005; Schomburg et al. 2004): 600 enzymes, 6 EC top-level classes;
    3 node tags. GIN/DGCNN format only here (no node attributes in that copy). See :func:`load_tu`."""
    return load_tu("enzymes", root, **kwargs)
