import * as OrderStore from "../src/OrderStore.js"
import { orderStoreContract } from "./OrderStoreContract.js"

orderStoreContract("memory", OrderStore.layerMemory)
